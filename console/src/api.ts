// Calls to Berth's own APIs with the console session: the session endpoints under
// /console/api/, and the ECR JSON API at POST / (the session cookie stands in for a SigV4
// signature; every call carries the session's CSRF token in a header).

export interface Session {
  user: string;
  arn: string;
  accountId: string;
  region: string;
  csrfToken: string;
  expiresAt: number;
}

// A failed call: AWS's exception name (`__type`) and message, or the HTTP status when the
// answer was not one of AWS's errors.
export class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status: number) {
    super(message);
  }
  get denied(): boolean {
    return this.type === "AccessDeniedException" || this.type === "AccessDenied";
  }
  get signedOut(): boolean {
    return this.status === 401 || this.type === "UnrecognizedClientException" ||
      this.type === "MissingAuthenticationTokenException";
  }
}

let current: Session | null = null;
const signedOutListeners: Array<() => void> = [];

export function onSignedOut(listener: () => void): void {
  signedOutListeners.push(listener);
}

async function failure(response: Response): Promise<ApiError> {
  let type = `HTTP${response.status}`;
  let message = response.statusText || "the request failed";
  try {
    const body = await response.json();
    if (typeof body.__type === "string") type = body.__type.split("#").pop() ?? type;
    if (typeof body.message === "string") message = body.message;
    else if (typeof body.Message === "string") message = body.Message;
  } catch {
    // Not JSON: keep the status.
  }
  return signedOutBy(new ApiError(type, message, response.status));
}

// A refusal that means the session is gone signs the page out.
function signedOutBy(error: ApiError): ApiError {
  if (error.signedOut && current) {
    current = null;
    for (const listener of signedOutListeners) listener();
  }
  return error;
}

async function sessionCall(method: string, body?: unknown): Promise<Session> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (current) headers["X-Berth-Csrf"] = current.csrfToken;
  const response = await fetch("/console/api/session", {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!response.ok) throw await failure(response);
  current = (await response.json()) as Session;
  return current;
}

// The session this browser holds, or null.
export async function resumeSession(): Promise<Session | null> {
  try {
    return await sessionCall("GET");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function signIn(credentials: { accessKeyId: string; secretAccessKey: string } | { token: string }):
  Promise<Session> {
  return sessionCall("POST", credentials);
}

export async function signOut(): Promise<void> {
  const headers: Record<string, string> = {};
  if (current) headers["X-Berth-Csrf"] = current.csrfToken;
  current = null;
  await fetch("/console/api/session", { method: "DELETE", headers, credentials: "same-origin" });
}

export function session(): Session {
  if (!current) throw new ApiError("NotSignedIn", "Sign in first.", 401);
  return current;
}

// One call of an AWS JSON API (awsJson1_1) by its X-Amz-Target.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function awsJson<T = any>(target: string, input: object): Promise<T> {
  const response = await fetch("/", {
    method: "POST",
    headers: {
      "X-Amz-Target": target,
      "Content-Type": "application/x-amz-json-1.1",
      "X-Berth-Csrf": session().csrfToken,
    },
    body: JSON.stringify(input),
    credentials: "same-origin",
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

// One ECR operation, e.g. ecr("DescribeRepositories", {maxResults: 100}).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ecr<T = any>(operation: string, input: object = {}): Promise<T> {
  return awsJson<T>(`AmazonEC2ContainerRegistry_V20150921.${operation}`, input);
}

// One CloudTrail operation (the audit trail), e.g. cloudtrail("LookupEvents", {MaxResults: 50}).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function cloudtrail<T = any>(operation: string, input: object = {}): Promise<T> {
  return awsJson<T>(`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.${operation}`, input);
}

// Every page of a paginated ECR listing, up to `limit` items; `key` is the list's member, a
// dotted path for a nested one ("imageScanFindings.findings").
export async function ecrAll<T>(operation: string, input: object, key: string, limit = 10000): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecr(operation, { ...input, ...(nextToken ? { nextToken } : {}) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const list = key.split(".").reduce((o: any, k) => o?.[k], page);
    items.push(...((list ?? []) as T[]));
    nextToken = page.nextToken;
  } while (nextToken && items.length < limit);
  return items;
}

// One IAM action (the query protocol: a form POST answered in XML), e.g.
// iam("CreateUser", {UserName: "ci"}); the parsed XML document.
export async function iam(action: string, params: Record<string, string> = {}): Promise<Document> {
  const body = new URLSearchParams({ Action: action, Version: "2010-05-08", ...params });
  const response = await fetch("/", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "X-Berth-Csrf": session().csrfToken },
    body: body.toString(),
    credentials: "same-origin",
  });
  const text = await response.text();
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (!response.ok) {
    const code = doc.querySelector("Error > Code")?.textContent ?? `HTTP${response.status}`;
    const message = doc.querySelector("Error > Message")?.textContent ?? response.statusText;
    throw signedOutBy(new ApiError(code, message, response.status));
  }
  return doc;
}

// The text of each `member` element under `path` in an IAM answer, as records of their children.
export function members(doc: Document, path: string): Array<Record<string, string>> {
  return Array.from(doc.querySelectorAll(`${path} > member`)).map((m) => {
    const record: Record<string, string> = {};
    for (const child of Array.from(m.children)) record[child.tagName] = child.textContent ?? "";
    return record;
  });
}

// A read of Berth's own console API (/console/api/...): what no AWS API answers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function consoleGet<T = any>(path: string, params: Record<string, string> = {}): Promise<T> {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`/console/api/${path}${query ? `?${query}` : ""}`, {
    headers: { "X-Berth-Csrf": session().csrfToken },
    credentials: "same-origin",
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}
