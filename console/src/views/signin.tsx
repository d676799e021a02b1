import { useState } from "preact/hooks";
import { Session, signIn } from "../api";
import { ErrorNote } from "./common";

// Sign-in with an access key and its secret, or with a registry token
// (`aws ecr get-login-password`). The secret goes to Berth once and is never stored here.
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [mode, setMode] = useState<"key" | "token">("key");
  const [keyId, setKeyId] = useState("");
  const [secret, setSecret] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await signIn(mode === "key" ? { accessKeyId: keyId.trim(), secretAccessKey: secret } : { token: token.trim() });
      setSecret("");
      setToken("");
      onSignedIn(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin" id="main">
      <h1>Sign in to Berth</h1>
      <form onSubmit={submit}>
        <fieldset>
          <legend>Sign in with</legend>
          <label><input type="radio" name="mode" checked={mode === "key"} onChange={() => setMode("key")} /> Access key</label>
          <label><input type="radio" name="mode" checked={mode === "token"} onChange={() => setMode("token")} /> Registry token</label>
        </fieldset>
        {mode === "key" ? (
          <>
            <label for="access-key-id">Access key ID</label>
            <input id="access-key-id" name="accessKeyId" autocomplete="username" required value={keyId}
              onInput={(e) => setKeyId((e.target as HTMLInputElement).value)} />
            <label for="secret-access-key">Secret access key</label>
            <input id="secret-access-key" name="secretAccessKey" type="password" autocomplete="current-password" required
              value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
          </>
        ) : (
          <>
            <label for="token">Token from <code>aws ecr get-login-password</code></label>
            <textarea id="token" name="token" required rows={4} value={token}
              onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
          </>
        )}
        <button type="submit" id="sign-in" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
}
