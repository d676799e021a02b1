import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { iam, members } from "../api";
import { CopyLine, ErrorNote, Loading } from "./common";
import { Groups, GroupsOfUser, PolicySet } from "./iam-policies";

interface NewKey {
  user: string;
  id: string;
  secret: string;
}

function Keys({ user, onNewKey }: { user: string; onNewKey: (k: NewKey) => void }) {
  const [keys, setKeys] = useState<Array<Record<string, string>> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    iam("ListAccessKeys", { UserName: user }).then((doc) => setKeys(members(doc, "AccessKeyMetadata")), setError);
  }, [user, reload]);
  const create = async () => {
    setError(null);
    try {
      const doc = await iam("CreateAccessKey", { UserName: user });
      onNewKey({
        user,
        id: doc.querySelector("AccessKey > AccessKeyId")?.textContent ?? "",
        secret: doc.querySelector("AccessKey > SecretAccessKey")?.textContent ?? "",
      });
      setReload(reload + 1);
    } catch (e) {
      setError(e);
    }
  };
  const change = async (action: string, params: Record<string, string>) => {
    setError(null);
    try {
      await iam(action, { UserName: user, ...params });
      setReload(reload + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="keys">
      <ErrorNote error={error} action="managing access keys" />
      {keys === null ? (error ? null : <Loading what="keys" />) : (
        <ul>
          {keys.map((k) => (
            <li key={k.AccessKeyId}>
              <code>{k.AccessKeyId}</code> <span class="muted">{k.Status} · created {k.CreateDate}</span>{" "}
              <button type="button" onClick={() => change("UpdateAccessKey", { AccessKeyId: k.AccessKeyId, Status: k.Status === "Active" ? "Inactive" : "Active" })}>
                {k.Status === "Active" ? "Deactivate" : "Activate"}
              </button>{" "}
              <button type="button" class="danger" onClick={() => confirm(`Delete access key ${k.AccessKeyId}?`) && change("DeleteAccessKey", { AccessKeyId: k.AccessKeyId })}>Delete</button>
            </li>
          ))}
          {keys.length === 0 && <li class="muted">No access keys.</li>}
        </ul>
      )}
      <button type="button" class="create-key" onClick={create} aria-label={`Create access key for ${user}`}>Create access key</button>
    </div>
  );
}

// IAM users and their access keys. A new key's secret is shown here once, as IAM does: it is
// never stored in the page and cannot be read again.
export function Users() {
  const [users, setUsers] = useState<Array<Record<string, string>> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const [newKey, setNewKey] = useState<NewKey | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    (async () => {
      try {
        const all: Array<Record<string, string>> = [];
        let marker = "";
        do {
          const doc = await iam("ListUsers", { MaxItems: "1000", ...(marker ? { Marker: marker } : {}) });
          all.push(...members(doc, "Users"));
          marker = doc.querySelector("IsTruncated")?.textContent === "true" ? doc.querySelector("Marker")?.textContent ?? "" : "";
        } while (marker);
        setUsers(all);
      } catch (e) {
        setError(e);
      }
    })();
  }, [reload]);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await iam("CreateUser", { UserName: name.trim() });
      setOpen(name.trim());
      setName("");
      setReload(reload + 1);
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (user: string) => {
    if (!confirm(`Delete user ${user}? Its access keys and inline policies must be deleted first.`)) return;
    setError(null);
    try {
      await iam("DeleteUser", { UserName: user });
      setReload(reload + 1);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main id="main">
      <h1>Users and groups</h1>
      {newKey && (
        <div class="note secret" role="alert" id="new-secret">
          <p><strong>New access key for {newKey.user}.</strong> Copy the secret now: it is shown only this once.</p>
          <CopyLine label="Key ID" text={newKey.id} />
          <CopyLine label="Secret" text={newKey.secret} />
          <button type="button" onClick={() => setNewKey(null)}>I have copied it</button>
        </div>
      )}
      <form class="toolbar" onSubmit={create}>
        <label for="new-user">New user</label>
        <input id="new-user" required pattern="[\w+=,.@\-]{1,64}" title="1 to 64 letters, digits and +=,.@_-" value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit" id="create-user">Create user</button>
      </form>
      <ErrorNote error={error} action="managing users" />
      {users === null ? (error ? null : <Loading what="users" />) : (
        <table class="list" id="users">
          <thead><tr><th scope="col">User</th><th scope="col">ARN</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {users.map((u) => (
              <Fragment key={u.UserName}>
                <tr>
                  <td>{u.UserName}</td>
                  <td><code>{u.Arn}</code></td>
                  <td>{u.CreateDate}</td>
                  <td>
                    <button type="button" aria-expanded={open === u.UserName} onClick={() => setOpen(open === u.UserName ? null : u.UserName)}
                      aria-label={`Manage keys, groups and policies of ${u.UserName}`}>Manage</button>{" "}
                    <button type="button" class="danger" onClick={() => remove(u.UserName)} aria-label={`Delete user ${u.UserName}`}>Delete</button>
                  </td>
                </tr>
                {open === u.UserName && (
                  <tr><td colSpan={4}>
                    <h3>Access keys of {u.UserName}</h3>
                    <Keys user={u.UserName} onNewKey={setNewKey} />
                    <GroupsOfUser user={u.UserName} />
                    <PolicySet kind="User" name={u.UserName} />
                  </td></tr>
                )}
              </Fragment>
            ))}
            {users.length === 0 && <tr><td colSpan={4} class="muted">No users yet.</td></tr>}
          </tbody>
        </table>
      )}
      <Groups />
    </main>
  );
}
