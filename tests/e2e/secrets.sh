#!/usr/bin/env bash
# The Secrets Manager subset with the aws CLI: secrets created, read, versioned (AWSCURRENT and
# AWSPREVIOUS move), updated, described, listed (filters, paging), tagged, deleted with a
# recovery window and restored, or forced; values sealed at rest (not in the database in the
# clear), absent from the audit trail, and never readable without secretsmanager:GetSecretValue.
source "$(dirname "$0")/lib.sh"
berth_start
aws_admin
CREDS_FILE="$WORK/credentials"
cp "$BERTH_DATA/admin-credentials" "$CREDS_FILE"
export AWS_SHARED_CREDENTIALS_FILE="$CREDS_FILE"
AWS_CALL=(admin secretsmanager)
VALUE='{"username":"robot","accessToken":"s3cr3t-value-7f1e"}'

# --- create and read ---------------------------------------------------------------------------
run_ok "create a secret" create-secret --name ecr-pullthroughcache/hub --description "hub robot" \
  --secret-string "$VALUE" --tags Key=team,Value=platform
ARN=$(jq -r .ARN "$OUT")
V1=$(jq -r .VersionId "$OUT")
jq_check "its ARN has AWS's form" '.ARN | test("^arn:aws:secretsmanager:us-east-1:[0-9]{12}:secret:ecr-pullthroughcache/hub-[A-Za-z0-9]{6}$")' true
run_err ResourceExistsException "a name is used once" create-secret --name ecr-pullthroughcache/hub --secret-string x
run_err InvalidParameterException "a name with a space" create-secret --name "bad name" --secret-string x
run_err InvalidParameterException "both a string and a binary" create-secret --name both --secret-string x \
  --secret-binary aGk=
run_ok "read it by name" get-secret-value --secret-id ecr-pullthroughcache/hub
jq_check "the value, current" '[.SecretString, .VersionId == "'"$V1"'", .VersionStages, .ARN == "'"$ARN"'"]' \
  "[$(jq -c -n --arg v "$VALUE" '$v'),true,[\"AWSCURRENT\"],true]"
run_ok "read it by full ARN" get-secret-value --secret-id "$ARN"
run_ok "read it by partial ARN" get-secret-value --secret-id "${ARN%-*}"
run_err ResourceNotFoundException "an ARN with another suffix" get-secret-value --secret-id "${ARN%-*}-Zzzzzz"
run_err ResourceNotFoundException "a missing secret" get-secret-value --secret-id nope
printf 'binary\0value' >"$WORK/bin"
run_ok "a binary secret" create-secret --name bin --secret-binary "fileb://$WORK/bin"
run_ok "read it" get-secret-value --secret-id bin
jq_check "bytes as sent" '.SecretBinary' "\"$(base64 -w0 "$WORK/bin")\""
run_ok "a secret without a value" create-secret --name empty
run_err ResourceNotFoundException "has no current version" get-secret-value --secret-id empty

# --- versions --------------------------------------------------------------------------------------
TOKEN=11111111-2222-3333-4444-555555555555
run_ok "put a new value" put-secret-value --secret-id ecr-pullthroughcache/hub --secret-string '{"username":"robot","accessToken":"v2"}' \
  --client-request-token "$TOKEN"
jq_check "it is current" '[.VersionId, .VersionStages]' "[\"$TOKEN\",[\"AWSCURRENT\"]]"
run_ok "the same request again" put-secret-value --secret-id ecr-pullthroughcache/hub \
  --secret-string '{"username":"robot","accessToken":"v2"}' --client-request-token "$TOKEN"
run_err ResourceExistsException "the same token, another value" put-secret-value --secret-id ecr-pullthroughcache/hub \
  --secret-string other --client-request-token "$TOKEN"
run_ok "the previous version" get-secret-value --secret-id ecr-pullthroughcache/hub --version-stage AWSPREVIOUS
jq_check "is the first" '[.VersionId == "'"$V1"'", .VersionStages]' '[true,["AWSPREVIOUS"]]'
run_ok "a pending version" put-secret-value --secret-id ecr-pullthroughcache/hub --secret-string v3 --version-stages AWSPENDING
run_ok "current is unchanged" get-secret-value --secret-id ecr-pullthroughcache/hub
jq_check "still v2" '.SecretString | fromjson | .accessToken' '"v2"'
run_ok "update the description and value" update-secret --secret-id ecr-pullthroughcache/hub --description "hub robot 2" \
  --secret-string "$VALUE"
run_ok "describe it" describe-secret --secret-id ecr-pullthroughcache/hub
jq_check "metadata, versions by stage, no value" \
  '[.Name, .Description, .Tags, ([.VersionIdsToStages[]] | flatten | sort), has("SecretString"), (.CreatedDate > 0)]' \
  '["ecr-pullthroughcache/hub","hub robot 2",[{"Key":"team","Value":"platform"}],["AWSCURRENT","AWSPENDING","AWSPREVIOUS"],false,true]'

# --- list, tags ----------------------------------------------------------------------------------
for i in 1 2 3; do run_ok "another secret $i" create-secret --name "team/s$i" --secret-string "v$i"; done
run_ok "list all" list-secrets
jq_check "every secret, oldest first" '[.SecretList[].Name]' '["ecr-pullthroughcache/hub","bin","empty","team/s1","team/s2","team/s3"]'
run_ok "filter by name" list-secrets --filters Key=name,Values=team/
jq_check "team's" '[.SecretList[].Name]' '["team/s1","team/s2","team/s3"]'
run_ok "filter by tag key" list-secrets --filters Key=tag-key,Values=team
jq_check "the tagged one" '[.SecretList[].Name]' '["ecr-pullthroughcache/hub"]'
run_ok "negated" list-secrets --filters 'Key=name,Values=!team/'
jq_check "the others" '[.SecretList[].Name]' '["ecr-pullthroughcache/hub","bin","empty"]'
run_ok "by name, descending, pages of two" list-secrets --sort-by name --sort-order desc --max-items 2 --page-size 2
TOKEN2=$(jq -r .NextToken "$OUT")
jq_check "the first page" '[.SecretList[].Name]' '["team/s3","team/s2"]'
run_ok "the next page" list-secrets --sort-by name --sort-order desc --max-items 2 --page-size 2 --starting-token "$TOKEN2"
jq_check "the second page" '[.SecretList[].Name]' '["team/s1","empty"]'
run_ok "tag" tag-resource --secret-id team/s1 --tags Key=a,Value=1 Key=b,Value=2
run_ok "untag" untag-resource --secret-id team/s1 --tag-keys a
run_ok "describe" describe-secret --secret-id team/s1
jq_check "one tag left" '.Tags' '[{"Key":"b","Value":"2"}]'

# --- delete, restore, force --------------------------------------------------------------------------
run_err InvalidParameterException "a window of 3 days" delete-secret --secret-id team/s1 --recovery-window-in-days 3
run_err InvalidParameterException "a window and force" delete-secret --secret-id team/s1 --recovery-window-in-days 7 \
  --force-delete-without-recovery
run_ok "schedule a deletion" delete-secret --secret-id team/s1 --recovery-window-in-days 7
jq_check "a week from now" "(.DeletionDate - $(date +%s)) / 86400 | round" 7
run_err InvalidRequestException "a scheduled secret is not read" get-secret-value --secret-id team/s1
run_err InvalidRequestException "nor recreated" create-secret --name team/s1 --secret-string x
run_ok "list" list-secrets --filters Key=name,Values=team/s1
jq_check "leaves it out" '.SecretList | length' 0
run_ok "unless asked" list-secrets --filters Key=name,Values=team/s1 --include-planned-deletion
jq_check "with its deleted date" '.SecretList[0] | has("DeletedDate")' true
run_ok "restore it" restore-secret --secret-id team/s1
run_ok "read it again" get-secret-value --secret-id team/s1
run_ok "force a deletion" delete-secret --secret-id team/s2 --force-delete-without-recovery
run_err ResourceNotFoundException "it is gone" describe-secret --secret-id team/s2
run_ok "and the name is free" create-secret --name team/s2 --secret-string again

# --- permissions ---------------------------------------------------------------------------------
ACCOUNT=$(admin sts get-caller-identity | jq -r .Account)
admin iam create-user --user-name viewer >/dev/null || fail "create viewer"
admin iam create-access-key --user-name viewer >"$WORK/key.json" || fail "viewer's key"
printf '[viewer]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$(jq -r .AccessKey.AccessKeyId "$WORK/key.json")" \
  "$(jq -r .AccessKey.SecretAccessKey "$WORK/key.json")" >>"$CREDS_FILE"
admin iam put-user-policy --user-name viewer --policy-name p --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:ListSecrets"],"Resource":"*"},
  {"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:'"$ACCOUNT"':secret:team/*"}]}' \
  >/dev/null || fail "viewer's policy"
viewer() { "$AWS" --profile viewer secretsmanager --endpoint-url "$BERTH_URL" --output json "$@"; }
AWS_CALL=(viewer)
run_ok "the viewer describes the hub secret" describe-secret --secret-id ecr-pullthroughcache/hub
run_err AccessDeniedException "but cannot read its value" get-secret-value --secret-id ecr-pullthroughcache/hub
run_err AccessDeniedException "nor learn that a secret is missing there" get-secret-value --secret-id ecr-pullthroughcache/nope
run_ok "reads team's" get-secret-value --secret-id team/s3
run_err AccessDeniedException "cannot change a value" put-secret-value --secret-id team/s3 --secret-string x
run_err AccessDeniedException "nor create" create-secret --name team/new --secret-string x
run_err AccessDeniedException "nor delete" delete-secret --secret-id team/s3 --force-delete-without-recovery
AWS_CALL=(admin secretsmanager)

# --- at rest and in the trail ------------------------------------------------------------------------
berth_stop
if [ "$BERTH_E2E_META" = postgres ]; then
  psql -X -q -At "$PG_URI" -c "SELECT name, document FROM $PG_SCHEMA.named_documents" >"$WORK/db.txt"
else
  cat "$BERTH_DATA"/meta.db* >"$WORK/db.txt"
fi
check "the secrets are in the database" grep -qa 'ecr-pullthroughcache/hub' "$WORK/db.txt"
check "but no value in the clear" bash -c "! grep -qa 's3cr3t-value-7f1e' '$WORK/db.txt'"
check "no value in the audit trail" bash -c "! grep -rqa 's3cr3t-value-7f1e' '$BERTH_DATA/audit'"
check "the calls are in the trail" grep -q '"eventSource":"secretsmanager.amazonaws.com"' -r "$BERTH_DATA/audit"
berth_start
run_ok "after a restart" get-secret-value --secret-id ecr-pullthroughcache/hub
jq_check "the value opens" '.SecretString | fromjson | .accessToken' '"s3cr3t-value-7f1e"'

finish
