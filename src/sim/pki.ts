// Certificates for the simulated nodes, as real Talos has them: an Ed25519 OS CA (from the applied
// machine config, or generated per run), a server certificate per node with its address as SAN,
// and client certificates whose Organization carries the Talos role (os:admin, os:reader, …).
// The Kubernetes CA (cluster.ca) is ECDSA P-256, as Talos generates it; leaf certificates take
// the key algorithm of the CA that signs them.
// @peculiar/x509 resolves its crypto provider through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { webcrypto, createPrivateKey, randomBytes } from "node:crypto";
import * as x509 from "@peculiar/x509";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
x509.cryptoProvider.set(webcrypto as any);
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyAlgorithm = "Ed25519" | "ECDSA-P256";
/** How keys of each algorithm are generated/imported, and how certificates are signed with them. */
const ALGORITHMS = {
  Ed25519: { key: { name: "Ed25519" }, signing: { name: "Ed25519" } },
  "ECDSA-P256": { key: { name: "ECDSA", namedCurve: "P-256" }, signing: { name: "ECDSA", hash: "SHA-256" } },
} as const;

const algorithmOf = (key: CryptoKey): KeyAlgorithm => (key.algorithm.name === "ECDSA" ? "ECDSA-P256" : "Ed25519");
const newKeyPair = async (algorithm: KeyAlgorithm) => (await webcrypto.subtle.generateKey(ALGORITHMS[algorithm].key, true, ["sign", "verify"])) as unknown as CryptoKeyPair;

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  key: CryptoKey;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

const serial = () => randomBytes(16).toString("hex").replace(/^[89a-f]/, "1");
const years = (n: number) => new Date(Date.now() + n * 365 * 24 * 3600 * 1000);

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

export async function generateCa(organization = "talos", algorithm: KeyAlgorithm = "Ed25519"): Promise<CertificateAuthority> {
  const keys = await newKeyPair(algorithm);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${organization}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: years(10),
    signingAlgorithm: ALGORITHMS[algorithm].signing,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey), cert, key: keys.privateKey };
}

/**
 * Loads a CA from PEM: Ed25519 (Talos writes those keys as "ED25519 PRIVATE KEY" PKCS#8 blocks) or
 * ECDSA P-256 (PKCS#8, or SEC 1 "EC PRIVATE KEY" blocks).
 */
export async function loadCa(certPem: string, keyPemText: string): Promise<CertificateAuthority> {
  const privateKey = createPrivateKey(keyPemText.replace(/ED25519 PRIVATE KEY/g, "PRIVATE KEY"));
  const algorithm: KeyAlgorithm | undefined =
    privateKey.asymmetricKeyType === "ed25519" ? "Ed25519" : privateKey.asymmetricKeyType === "ec" && privateKey.asymmetricKeyDetails?.namedCurve === "prime256v1" ? "ECDSA-P256" : undefined;
  if (!algorithm) throw new Error(`unsupported CA key (${privateKey.asymmetricKeyType}): use Ed25519 or ECDSA P-256`);
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  const key = (await webcrypto.subtle.importKey("pkcs8", der, ALGORITHMS[algorithm].key, true, ["sign"])) as unknown as CryptoKey;
  return { certPem, keyPem: keyPemText, cert: new x509.X509Certificate(certPem), key };
}

async function issue(ca: CertificateAuthority, subject: string, extensions: x509.Extension[]): Promise<IssuedCert> {
  const algorithm = algorithmOf(ca.key);
  const keys = await newKeyPair(algorithm);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: years(1),
    signingAlgorithm: ALGORITHMS[algorithm].signing,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions,
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

/** A serving certificate for `address` and `hostname` (and localhost), plus any `extraNames`. */
export function issueServerCert(ca: CertificateAuthority, address: string, hostname: string, extraNames: { ips?: string[]; dns?: string[] } = {}): Promise<IssuedCert> {
  const names = (type: "ip" | "dns", values: string[]) => [...new Set(values)].map((value) => ({ type, value }));
  return issue(ca, `CN=${hostname}`, [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([...names("ip", [address, ...(extraNames.ips ?? [])]), ...names("dns", [hostname, "localhost", ...(extraNames.dns ?? [])])]),
  ]);
}

/**
 * A client certificate whose Organizations are `roles` (Talos roles, or Kubernetes groups) and,
 * when given, whose Common Name is `commonName` (the Kubernetes user name).
 */
export function issueClientCert(ca: CertificateAuthority, roles: string[], commonName?: string): Promise<IssuedCert> {
  return issue(ca, [...(commonName ? [`CN=${commonName}`] : []), ...roles.map((role) => `O=${role}`)].join(", "), [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
}

export const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
export const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8");
