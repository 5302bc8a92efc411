/** A minimal browser cookie jar: keeps what `Set-Cookie` says, sends it back (paths and expiry honoured). */

type Cookie = { value: string; path: string; expires: number; attributes: string };

export class CookieJar {
  readonly cookies = new Map<string, Cookie>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.split("=")[1];
      const maxAge = Number(attr("max-age") ?? Infinity);
      if (maxAge <= 0) {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, {
          value: pair.slice(eq + 1),
          path: attr("path") ?? "/",
          expires: Date.now() + maxAge * 1000,
          attributes: attributes.join("; "),
        });
      }
    }
  }

  header(path: string): string {
    return [...this.cookies]
      .filter(([, c]) => (path === c.path || path.startsWith(`${c.path}/`) || c.path === "/") && c.expires > Date.now())
      .map(([name, c]) => `${name}=${c.value}`)
      .join("; ");
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }
}
