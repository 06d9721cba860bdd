{{- define "talos-mcp.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "talos-mcp.labels" -}}
app.kubernetes.io/name: talos-mcp
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "talos-mcp.selector" -}}
app.kubernetes.io/name: talos-mcp
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
