// Berth's console: a single page routed by the URL's fragment (#/, #/repositories/<name>), so
// the server serves one index.html and every view is a link that can be bookmarked.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { onSignedOut, resumeSession, Session, signOut } from "./api";
import { ErrorNote, Loading } from "./views/common";
import { Activity } from "./views/activity";
import { Automation } from "./views/automation";
import { ImageView } from "./views/image";
import { Registry } from "./views/policies";
import { Repositories } from "./views/repositories";
import { RepositoryView } from "./views/repository";
import { SignIn } from "./views/signin";
import { Storage } from "./views/storage";
import { Users } from "./views/users";
import "./style.css";

function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash.replace(/^#/, "") || "/";
}

function View({ route }: { route: string }) {
  if (route === "/users") return <Users />;
  if (route === "/activity") return <Activity />;
  if (route === "/storage") return <Storage />;
  if (route === "/registry") return <Registry />;
  if (route === "/rules") return <Automation />;
  const image = /^\/repositories\/(.+)\/images\/(sha256:[0-9a-f]{64})$/.exec(route);
  if (image) return <ImageView repository={decodeURIComponent(image[1])} digest={image[2]} key={route} />;
  const repo = /^\/repositories\/(.+)$/.exec(route);
  if (repo) return <RepositoryView name={decodeURIComponent(repo[1])} key={repo[1]} />;
  return <Repositories />;
}

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const route = useRoute();
  useEffect(() => {
    onSignedOut(() => setSession(null));
    resumeSession().then(setSession, (e) => { setError(e); setSession(null); });
  }, []);

  if (session === undefined) return <Loading what="the console" />;
  if (session === null) return <><ErrorNote error={error} /><SignIn onSignedIn={setSession} /></>;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <header class="top">
        <a class="brand" href="#/">Berth</a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route === "/" ? "page" : undefined}>Repositories</a>
          <a href="#/users" aria-current={route === "/users" ? "page" : undefined}>Users</a>
          <a href="#/registry" aria-current={route === "/registry" ? "page" : undefined}>Registry</a>
          <a href="#/rules" aria-current={route === "/rules" ? "page" : undefined}>Cache and templates</a>
          <a href="#/storage" aria-current={route === "/storage" ? "page" : undefined}>Storage</a>
          <a href="#/activity" aria-current={route === "/activity" ? "page" : undefined}>Activity</a>
        </nav>
        <span class="who" title={session.arn}>{session.user}</span>
        <button type="button" id="sign-out" onClick={async () => { await signOut(); setSession(null); location.hash = ""; }}>Sign out</button>
      </header>
      <View route={route} />
    </>
  );
}

render(<App />, document.getElementById("app")!);
