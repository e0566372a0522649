// Certificates for tests, made by openssl in a test's temporary directory: CAs, and the server and client
// certificates they sign (RSA 2048, as S3's and AWS IoT's own; valid two days).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCertificates {
  /** Makes a self-signed CA `name` (name.key, name.crt in the directory); its certificate's PEM. */
  ca(name: string): string;
  /**
   * Makes a key and a certificate `name` signed by the CA `ca`: for a server at the subjectAltName `san`
   * ("IP:127.0.0.1", "DNS:…"), or without one for a client (TLS client authentication).
   */
  issue(name: string, ca: string, san?: string): { key: string; cert: string };
  /** The path of a file made here ("name.crt"). */
  path(file: string): string;
}

export function testCertificates(dir: string): TestCertificates {
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  const pem = (file: string) => readFileSync(join(dir, file), "utf8");
  return {
    ca(name) {
      openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", `/CN=${name}`, "-days", "2", "-out", `${name}.crt`]);
      return pem(`${name}.crt`);
    },
    issue(name, ca, san) {
      openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-subj", `/CN=${name}`, "-out", `${name}.csr`]);
      writeFileSync(join(dir, `${name}.ext`), san ? `subjectAltName=${san}\n` : "extendedKeyUsage=clientAuth\n");
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`]);
      return { key: pem(`${name}.key`), cert: pem(`${name}.crt`) };
    },
    path: (file) => join(dir, file),
  };
}
