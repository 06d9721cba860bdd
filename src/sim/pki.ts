// Certificates for the simulated nodes, as real Talos has them: an Ed25519 OS CA (from the applied
// machine config, or generated per run), a server certificate per node with its address as SAN,
// and client certificates whose Organization carries the Talos role (os:admin, os:reader, …).
// @peculiar/x509 resolves its crypto provider through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { webcrypto, createPrivateKey, randomBytes } from "node:crypto";
import * as x509 from "@peculiar/x509";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
x509.cryptoProvider.set(webcrypto as any);
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const ED25519 = { name: "Ed25519" } as const;

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

export async function generateCa(organization = "talos"): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `O=${organization}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: years(10),
    signingAlgorithm: ED25519,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey), cert, key: keys.privateKey };
}

/** Loads a CA from PEM (Talos writes Ed25519 keys as "ED25519 PRIVATE KEY" PKCS#8 blocks). */
export async function loadCa(certPem: string, keyPemText: string): Promise<CertificateAuthority> {
  const der = createPrivateKey(keyPemText.replace(/ED25519 PRIVATE KEY/g, "PRIVATE KEY")).export({ format: "der", type: "pkcs8" });
  const key = (await webcrypto.subtle.importKey("pkcs8", der, ED25519, true, ["sign"])) as unknown as CryptoKey;
  return { certPem, keyPem: keyPemText, cert: new x509.X509Certificate(certPem), key };
}

async function issue(ca: CertificateAuthority, subject: string, extensions: x509.Extension[]): Promise<IssuedCert> {
  const keys = (await webcrypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: years(1),
    signingAlgorithm: ED25519,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions,
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

export function issueServerCert(ca: CertificateAuthority, address: string, hostname: string): Promise<IssuedCert> {
  return issue(ca, `CN=${hostname}`, [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: "ip", value: address },
      { type: "dns", value: hostname },
      { type: "dns", value: "localhost" },
    ]),
  ]);
}

export function issueClientCert(ca: CertificateAuthority, roles: string[]): Promise<IssuedCert> {
  return issue(ca, roles.map((role) => `O=${role}`).join(", "), [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
}

export const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
export const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8");
