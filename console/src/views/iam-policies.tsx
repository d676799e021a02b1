import { useEffect, useState } from "preact/hooks";
import { iam, members } from "../api";
import { DocumentEditor } from "../components/document";
import { ErrorNote } from "./common";

type Kind = "User" | "Group";

const kExamplePolicy = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:Describe*", "ecr:List*"], Resource: "*" }],
};

// The inline and attached managed policies of a user or a group: list, edit, attach, detach.
export function PolicySet({ kind, name }: { kind: Kind; name: string }) {
  const nameKey = `${kind}Name`;
  const [inline, setInline] = useState<string[] | null>(null);
  const [attached, setAttached] = useState<Array<Record<string, string>>>([]);
  const [available, setAvailable] = useState<Array<Record<string, string>>>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [newName, setNewName] = useState("");
  const [attach, setAttach] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    (async () => {
      try {
        const list = await iam(`List${kind}Policies`, { [nameKey]: name });
        setInline(Array.from(list.querySelectorAll("PolicyNames > member")).map((m) => m.textContent ?? ""));
        setAttached(members(await iam(`ListAttached${kind}Policies`, { [nameKey]: name }), "AttachedPolicies"));
        setAvailable(members(await iam("ListPolicies", { MaxItems: "1000" }), "Policies"));
      } catch (e) {
        setError(e);
      }
    })();
  }, [kind, name, reload]);
  const act = async (action: string, params: Record<string, string>) => {
    setError(null);
    try {
      await iam(action, { [nameKey]: name, ...params });
      setReload(reload + 1);
    } catch (e) {
      setError(e);
    }
  };
  const id = `${kind.toLowerCase()}-${name}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return (
    <div class="policy-set">
      <h3>Policies of {name}</h3>
      <ErrorNote error={error} action="changing these policies" />
      <ul>
        {(inline ?? []).map((p) => (
          <li key={p}>
            <code>{p}</code> <span class="muted">inline</span>{" "}
            <button type="button" onClick={() => setEditing(p)} aria-label={`Edit policy ${p}`}>Edit</button>{" "}
            <button type="button" class="danger" onClick={() => confirm(`Delete policy ${p}?`) && act(`Delete${kind}Policy`, { PolicyName: p })}
              aria-label={`Delete policy ${p}`}>Delete</button>
          </li>
        ))}
        {attached.map((p) => (
          <li key={p.PolicyArn}>
            <code>{p.PolicyName}</code> <span class="muted">managed</span>{" "}
            <button type="button" onClick={() => act(`Detach${kind}Policy`, { PolicyArn: p.PolicyArn })} aria-label={`Detach policy ${p.PolicyName}`}>Detach</button>
          </li>
        ))}
        {inline !== null && inline.length === 0 && attached.length === 0 && <li class="muted">No policies: nothing is allowed.</li>}
      </ul>
      <div class="toolbar">
        <label for={`${id}-new-policy`}>New inline policy</label>
        <input id={`${id}-new-policy`} value={newName} pattern="[\w+=,.@\-]{1,128}" onInput={(e) => setNewName((e.target as HTMLInputElement).value)} />
        <button type="button" onClick={() => newName.trim() && setEditing(newName.trim())}>Write it</button>
        <label for={`${id}-attach`}>Attach</label>
        <select id={`${id}-attach`} value={attach} onChange={(e) => setAttach((e.target as HTMLSelectElement).value)}>
          <option value="">a managed policy…</option>
          {available.filter((p) => !attached.some((a) => a.PolicyArn === p.Arn)).map((p) => <option key={p.Arn} value={p.Arn}>{p.PolicyName}</option>)}
        </select>
        <button type="button" disabled={!attach} onClick={() => { act(`Attach${kind}Policy`, { PolicyArn: attach }); setAttach(""); }}>Attach</button>
      </div>
      {editing && (
        <DocumentEditor id={`${id}-policy-${editing}`.replace(/[^A-Za-z0-9_-]/g, "_")} title={`Policy ${editing}`} example={kExamplePolicy}
          load={async () => {
            if (!(inline ?? []).includes(editing)) return null;
            const doc = await iam(`Get${kind}Policy`, { [nameKey]: name, PolicyName: editing });
            return decodeURIComponent(doc.querySelector("PolicyDocument")?.textContent ?? "{}");
          }}
          save={async (text) => {
            await iam(`Put${kind}Policy`, { [nameKey]: name, PolicyName: editing, PolicyDocument: text });
            setReload(reload + 1);
          }} />
      )}
    </div>
  );
}

// The groups a user is in: leave one, join another.
export function GroupsOfUser({ user }: { user: string }) {
  const [groups, setGroups] = useState<string[]>([]);
  const [all, setAll] = useState<string[]>([]);
  const [join, setJoin] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    (async () => {
      try {
        setGroups(members(await iam("ListGroupsForUser", { UserName: user }), "Groups").map((g) => g.GroupName));
        setAll(members(await iam("ListGroups", { MaxItems: "1000" }), "Groups").map((g) => g.GroupName));
      } catch (e) {
        setError(e);
      }
    })();
  }, [user, reload]);
  const act = async (action: string, group: string) => {
    setError(null);
    try {
      await iam(action, { UserName: user, GroupName: group });
      setReload(reload + 1);
    } catch (e) {
      setError(e);
    }
  };
  const id = `groups-${user}`.replace(/[^A-Za-z0-9_-]/g, "_");
  return (
    <div class="groups-of-user">
      <h3>Groups of {user}</h3>
      <ErrorNote error={error} action="changing group membership" />
      <ul>
        {groups.map((g) => (
          <li key={g}><code>{g}</code>{" "}
            <button type="button" onClick={() => act("RemoveUserFromGroup", g)} aria-label={`Remove from group ${g}`}>Remove from group</button></li>
        ))}
        {groups.length === 0 && <li class="muted">In no group.</li>}
      </ul>
      <div class="toolbar">
        <label for={id}>Add to</label>
        <select id={id} value={join} onChange={(e) => setJoin((e.target as HTMLSelectElement).value)}>
          <option value="">a group…</option>
          {all.filter((g) => !groups.includes(g)).map((g) => <option key={g} value={g}>{g}</option>)}
        </select>
        <button type="button" disabled={!join} onClick={() => { act("AddUserToGroup", join); setJoin(""); }}>Add</button>
      </div>
    </div>
  );
}

// Every group: create, delete, and each one's policies.
export function Groups() {
  const [groups, setGroups] = useState<Array<Record<string, string>> | null>(null);
  const [name, setName] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    iam("ListGroups", { MaxItems: "1000" }).then((doc) => setGroups(members(doc, "Groups")), setError);
  }, [reload]);
  const act = async (action: string, group: string) => {
    setError(null);
    try {
      await iam(action, { GroupName: group });
      setReload(reload + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-label="Groups">
      <h2>Groups</h2>
      <form class="toolbar" onSubmit={(e) => { e.preventDefault(); if (name.trim()) { act("CreateGroup", name.trim()); setName(""); } }}>
        <label for="new-group">New group</label>
        <input id="new-group" required pattern="[\w+=,.@\-]{1,128}" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit" id="create-group">Create group</button>
      </form>
      <ErrorNote error={error} action="managing groups" />
      <ul class="groups">
        {(groups ?? []).map((g) => (
          <li key={g.GroupName}>
            <code>{g.GroupName}</code>{" "}
            <button type="button" aria-expanded={open === g.GroupName} onClick={() => setOpen(open === g.GroupName ? null : g.GroupName)}
              aria-label={`Policies of group ${g.GroupName}`}>Policies</button>{" "}
            <button type="button" class="danger" onClick={() => confirm(`Delete group ${g.GroupName}?`) && act("DeleteGroup", g.GroupName)}
              aria-label={`Delete group ${g.GroupName}`}>Delete</button>
            {open === g.GroupName && <PolicySet kind="Group" name={g.GroupName} />}
          </li>
        ))}
        {groups !== null && groups.length === 0 && <li class="muted">No groups yet.</li>}
      </ul>
    </section>
  );
}
