# Helpers shared by scripts/build-clis and scripts/build-k8s (sourced, not run). Both build pinned
# binaries from Go modules into $BIN_DIR as <name>-<version> and point <name> at the newest build.

# Prints one field (GoMod: the module's go.mod file, Dir: its source tree) of a module version,
# downloading it into the module cache if needed. Run from a directory with a go.mod.
go_module_field() {
  local module="$1" field="$2"
  go mod download -json "$module" | sed -n "s/^[[:space:]]*\"$field\": \"\(.*\)\",\{0,1\}$/\1/p"
}

# Installs a freshly built binary atomically and points the unversioned link at it.
install_bin() {
  local built="$1" name="$2" version="$3"
  local target="$BIN_DIR/$name-$version"
  chmod 0755 "$built"
  mv -f "$built" "$target.tmp" && mv -f "$target.tmp" "$target"
  ln -sfn "$name-$version" "$BIN_DIR/$name"
}
