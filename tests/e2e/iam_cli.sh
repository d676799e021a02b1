#!/usr/bin/env bash
# IAM with the real aws CLI: users, keys, groups, inline and managed policies, STS; then what
# each user may do through the ECR API: allow, explicit deny over allow, group and managed
# policies, repository-policy-only allows, conditions (source IP, resource tags, image tags),
# inactive and deleted keys, repository and registry policies.
source "$(dirname "$0")/lib.sh"
berth_start

AWS="${AWS:-aws_warm}"
cat >"$WORK/aws-config" <<CONF
[default]
cli_pager =
CONF
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1
export AWS_DATA_PATH="$ROOT/tests/aws-data"
CREDS_FILE="$WORK/credentials"
cp "$BERTH_DATA/admin-credentials" "$CREDS_FILE"
export AWS_SHARED_CREDENTIALS_FILE="$CREDS_FILE"
OUT="$WORK/aws.out"
ERR="$WORK/aws.err"
as() {  # as PROFILE SERVICE ARGS...: one aws call as that profile
  local profile="$1" service="$2"
  shift 2
  "$AWS" --profile "$profile" "$service" --endpoint-url "$BERTH_URL" --output json "$@"
}
ok() {  # ok DESCRIPTION PROFILE SERVICE ARGS...
  local what="$1"
  shift
  if as "$@" >"$OUT" 2>"$ERR"; then pass; else fail "$what: $(head -c 400 "$ERR")"; fi
}
err() {  # err CODE DESCRIPTION PROFILE SERVICE ARGS...: must fail with CODE
  local want="$1" what="$2"
  shift 2
  if as "$@" >"$OUT" 2>"$ERR"; then
    fail "$what: succeeded, want $want"
  elif grep -q "($want)" "$ERR"; then
    pass
  else
    fail "$what: want $want, got $(head -c 400 "$ERR")"
  fi
}
jq_is() {
  local got
  got=$(jq -c "$1" "$OUT" 2>/dev/null || echo "<not json>")
  if [ "$got" = "$2" ]; then pass; else fail "$1 is $got, want $2"; fi
}
add_profile() {  # add_profile NAME: the key just created ($OUT) becomes profile NAME
  {
    echo "[$1]"
    echo "aws_access_key_id = $(jq -r .AccessKey.AccessKeyId "$OUT")"
    echo "aws_secret_access_key = $(jq -r .AccessKey.SecretAccessKey "$OUT")"
  } >>"$CREDS_FILE"
}
policy() {  # policy EFFECT ACTIONS RESOURCE [CONDITION]: an identity policy document
  local cond=""
  [ -n "${4:-}" ] && cond=",\"Condition\":$4"
  echo "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"$1\",\"Action\":$2,\"Resource\":\"$3\"$cond}]}"
}

# --- who am I ------------------------------------------------------------------------------------
ok "sts as root" berth sts get-caller-identity
ACCOUNT=$(jq -r .Account "$OUT")
jq_is .Arn "\"arn:aws:iam::$ACCOUNT:root\""

# --- users and keys ------------------------------------------------------------------------------
ok "create alice" berth iam create-user --user-name alice
jq_is .User.Arn "\"arn:aws:iam::$ACCOUNT:user/alice\""
jq_is '.User.UserId | startswith("AIDA")' true
err EntityAlreadyExists "create alice twice" berth iam create-user --user-name alice
err EntityAlreadyExists "names are unique regardless of case" berth iam create-user --user-name ALICE
err ValidationError "bad user name" berth iam create-user --user-name 'a b'
ok "create bob in a path" berth iam create-user --user-name bob --path /ci/
jq_is .User.Arn "\"arn:aws:iam::$ACCOUNT:user/ci/bob\""
for u in carol dave release; do ok "create $u" berth iam create-user --user-name $u; done
ok "list users" berth iam list-users
jq_is '[.Users[].UserName]' '["alice","bob","carol","dave","release"]'
ok "list users by path" berth iam list-users --path-prefix /ci/
jq_is '[.Users[].UserName]' '["bob"]'
ok "list users paged" berth iam list-users --max-items 2
jq_is '[.Users[].UserName] | length' '2'
check "a next token for the rest" test "$(jq -r .NextToken "$OUT")" != null
ok "get-user" berth iam get-user --user-name bob
jq_is .User.Path '"/ci/"'
err NoSuchEntity "get a user that is not there" berth iam get-user --user-name nobody

for u in alice bob carol dave release; do
  ok "create-access-key $u" berth iam create-access-key --user-name $u
  jq_is .AccessKey.Status '"Active"'
  add_profile $u
done
SECRET_ALICE=$(sed -n '/^\[alice\]/,/^\[/{s/^aws_secret_access_key = //p}' "$CREDS_FILE")
ok "list-access-keys shows no secret" berth iam list-access-keys --user-name alice
jq_is '.AccessKeyMetadata | length' 1
jq_is '.AccessKeyMetadata[0] | has("SecretAccessKey")' false
check "secrets are sealed at rest" sh -c "! grep -rqa -- '$SECRET_ALICE' '$BERTH_DATA'"
ok "second key for dave" berth iam create-access-key --user-name dave
DAVE_KEY2=$(jq -r .AccessKey.AccessKeyId "$OUT")
err LimitExceeded "a third key" berth iam create-access-key --user-name dave
ok "delete dave's second key" berth iam delete-access-key --user-name dave --access-key-id "$DAVE_KEY2"
err NoSuchEntity "delete it again" berth iam delete-access-key --user-name dave --access-key-id "$DAVE_KEY2"

ok "sts as alice" alice sts get-caller-identity
jq_is .Arn "\"arn:aws:iam::$ACCOUNT:user/alice\""
jq_is '.UserId | startswith("AIDA")' true

# --- with no policy, a user may do nothing -------------------------------------------------------
ok "admin creates team/app" berth ecr create-repository --repository-name team/app --tags Key=team,Value=red
ok "admin creates other/app" berth ecr create-repository --repository-name other/app --tags Key=team,Value=blue
err AccessDeniedException "alice without policies" alice ecr describe-repositories --repository-names team/app
check "the denial names the user, action and resource" \
  grep -q "User: arn:aws:iam::$ACCOUNT:user/alice is not authorized to perform: ecr:DescribeRepositories on resource: arn:aws:ecr:us-east-1:$ACCOUNT:repository/team/app" "$ERR"
err AccessDenied "alice cannot manage IAM" alice iam list-users

# --- inline policies -------------------------------------------------------------------------------
err MalformedPolicyDocument "a policy that does not parse" berth iam put-user-policy --user-name alice \
  --policy-name bad --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"BatchGetImage","Resource":"*"}]}'
check "the error says where" grep -q "Statement\[0\].Action" "$ERR"
err MalformedPolicyDocument "a principal in an identity policy" berth iam put-user-policy --user-name alice \
  --policy-name bad --policy-document '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*","Resource":"*"}]}'
ok "alice may read team/*" berth iam put-user-policy --user-name alice --policy-name read-team \
  --policy-document "$(policy Allow '["ecr:Describe*","ecr:List*","ecr:BatchGetImage"]' "arn:aws:ecr:*:*:repository/team/*")"
ok "get-user-policy returns the document" berth iam get-user-policy --user-name alice --policy-name read-team
jq_is '.PolicyDocument.Statement[0].Resource' '"arn:aws:ecr:*:*:repository/team/*"'
ok "list-user-policies" berth iam list-user-policies --user-name alice
jq_is .PolicyNames '["read-team"]'
ok "alice describes team/app" alice ecr describe-repositories --repository-names team/app
err AccessDeniedException "but not other/app" alice ecr describe-repositories --repository-names other/app
ok "describe-repositories lists only what alice may see" alice ecr describe-repositories
jq_is '[.repositories[].repositoryName]' '["team/app"]'
err AccessDeniedException "alice cannot delete" alice ecr delete-repository --repository-name team/app

# Explicit deny wins over allow.
ok "deny listing images" berth iam put-user-policy --user-name alice --policy-name no-list \
  --policy-document "$(policy Deny '"ecr:ListImages"' '*')"
err AccessDeniedException "deny over allow" alice ecr list-images --repository-name team/app
check "the denial says explicit deny" grep -q "explicit deny in an identity-based policy" "$ERR"
ok "lift the deny" berth iam delete-user-policy --user-name alice --policy-name no-list
ok "allowed again at once" alice ecr list-images --repository-name team/app

# --- groups and managed policies -------------------------------------------------------------------
ok "create group" berth iam create-group --group-name readers
ok "attach AWS's read-only policy to it" berth iam attach-group-policy --group-name readers \
  --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly
err NoSuchEntity "attach a policy that does not exist" berth iam attach-group-policy --group-name readers \
  --policy-arn "arn:aws:iam::$ACCOUNT:policy/nothing"
err AccessDeniedException "bob before joining" bob ecr describe-repositories --repository-names other/app
ok "bob joins readers" berth iam add-user-to-group --group-name readers --user-name bob
ok "bob reads through the group" bob ecr describe-repositories --repository-names other/app
err AccessDeniedException "read-only cannot push" bob ecr put-image --repository-name other/app --image-tag x \
  --image-manifest '{"schemaVersion":2}'
ok "get-group lists bob" berth iam get-group --group-name readers
jq_is '[.Users[].UserName]' '["bob"]'
ok "list-groups-for-user" berth iam list-groups-for-user --user-name bob
jq_is '[.Groups[].GroupName]' '["readers"]'
ok "group inline policy" berth iam put-group-policy --group-name readers --policy-name tag \
  --policy-document "$(policy Allow '"ecr:TagResource"' '*')"
ok "get-group-policy" berth iam get-group-policy --group-name readers --policy-name tag
jq_is '.PolicyDocument.Statement[0].Action' '"ecr:TagResource"'
ok "list-group-policies" berth iam list-group-policies --group-name readers
jq_is .PolicyNames '["tag"]'
err DeleteConflict "a group with members cannot go" berth iam delete-group --group-name readers

ok "a customer managed policy" berth iam create-policy --policy-name push-team \
  --policy-document "$(policy Allow '["ecr:PutImage","ecr:InitiateLayerUpload","ecr:UploadLayerPart","ecr:CompleteLayerUpload","ecr:BatchCheckLayerAvailability"]' "arn:aws:ecr:*:*:repository/team/*")" \
  --description "push to team repositories"
PUSH_ARN=$(jq -r .Policy.Arn "$OUT")
check "its ARN" test "$PUSH_ARN" = "arn:aws:iam::$ACCOUNT:policy/push-team"
ok "get-policy" berth iam get-policy --policy-arn "$PUSH_ARN"
jq_is .Policy.DefaultVersionId '"v1"'
ok "get-policy-version" berth iam get-policy-version --policy-arn "$PUSH_ARN" --version-id v1
jq_is '.PolicyVersion.Document.Statement[0].Action | length' 5
ok "get an AWS managed policy" berth iam get-policy --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly
ok "list local policies" berth iam list-policies --scope Local
jq_is '[.Policies[].PolicyName]' '["push-team"]'
ok "list AWS policies" berth iam list-policies --scope AWS
jq_is '[.Policies[].PolicyName] | sort' '["AmazonEC2ContainerRegistryFullAccess","AmazonEC2ContainerRegistryPowerUser","AmazonEC2ContainerRegistryPullOnly","AmazonEC2ContainerRegistryReadOnly"]'
ok "attach it to carol" berth iam attach-user-policy --user-name carol --policy-arn "$PUSH_ARN"
ok "list-attached-user-policies" berth iam list-attached-user-policies --user-name carol
jq_is '[.AttachedPolicies[].PolicyArn]' "[\"$PUSH_ARN\"]"
ok "carol checks layers in team/app" carol ecr batch-check-layer-availability --repository-name team/app \
  --layer-digests sha256:0000000000000000000000000000000000000000000000000000000000000000
err AccessDeniedException "but not in other/app" carol ecr batch-check-layer-availability --repository-name other/app \
  --layer-digests sha256:0000000000000000000000000000000000000000000000000000000000000000
err DeleteConflict "an attached policy cannot be deleted" berth iam delete-policy --policy-arn "$PUSH_ARN"

# --- repository policies ---------------------------------------------------------------------------
REPO_POLICY="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"dave-pulls\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT:user/dave\"},\"Action\":[\"ecr:BatchGetImage\",\"ecr:ListImages\"]}]}"
err AccessDeniedException "dave has no policy of his own" dave ecr list-images --repository-name other/app
err RepositoryPolicyNotFoundException "no repository policy yet" berth ecr get-repository-policy --repository-name other/app
err InvalidParameterException "a repository policy without a principal" berth ecr set-repository-policy \
  --repository-name other/app --policy-text '{"Statement":[{"Effect":"Allow","Action":"ecr:*"}]}'
check "the error says what is missing" grep -q "Principal" "$ERR"
ok "set-repository-policy" berth ecr set-repository-policy --repository-name other/app --policy-text "$REPO_POLICY"
ok "the repository policy alone lets dave list" dave ecr list-images --repository-name other/app
err AccessDeniedException "and nothing more" dave ecr describe-images --repository-name other/app
err AccessDeniedException "nor elsewhere" dave ecr list-images --repository-name team/app
ok "get-repository-policy" berth ecr get-repository-policy --repository-name other/app
jq_is '.policyText | fromjson | .Statement[0].Sid' '"dave-pulls"'
# A repository policy that denies wins over identity policies.
ok "deny bob in other/app" berth ecr set-repository-policy --repository-name other/app --policy-text \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT:user/ci/bob\"},\"Action\":\"ecr:*\"}]}"
err AccessDeniedException "bob is denied by the repository" bob ecr describe-repositories --repository-names other/app
check "the denial says resource-based" grep -q "explicit deny in a resource-based policy" "$ERR"
ok "bob still reads team/app" bob ecr describe-repositories --repository-names team/app
ok "delete-repository-policy" berth ecr delete-repository-policy --repository-name other/app
ok "bob reads other/app again" bob ecr describe-repositories --repository-names other/app
# A policy that would lock its setter out needs force.
ok "give carol policy rights" berth iam put-user-policy --user-name carol --policy-name admin-repo \
  --policy-document "$(policy Allow '["ecr:SetRepositoryPolicy","ecr:GetRepositoryPolicy"]' '*')"
LOCKOUT="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"ecr:SetRepositoryPolicy\"}]}"
err InvalidParameterException "a lock-out without force" carol ecr set-repository-policy --repository-name team/app --policy-text "$LOCKOUT"
ok "with force" carol ecr set-repository-policy --repository-name team/app --policy-text "$LOCKOUT" --force
err AccessDeniedException "carol is locked out now" carol ecr set-repository-policy --repository-name team/app --policy-text "$REPO_POLICY"
ok "the root never is" berth ecr delete-repository-policy --repository-name team/app

ok "put-registry-policy" berth ecr put-registry-policy --policy-text \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::210987654321:root\"},\"Action\":[\"ecr:CreateRepository\",\"ecr:ReplicateImage\"],\"Resource\":\"arn:aws:ecr:us-east-1:$ACCOUNT:repository/*\"}]}"
ok "get-registry-policy" berth ecr get-registry-policy
jq_is '.policyText | fromjson | .Statement[0].Action' '["ecr:CreateRepository","ecr:ReplicateImage"]'
ok "delete-registry-policy" berth ecr delete-registry-policy
err RegistryPolicyNotFoundException "gone" berth ecr get-registry-policy

# --- conditions ------------------------------------------------------------------------------------
ok "dave may describe red repositories only" berth iam put-user-policy --user-name dave --policy-name red \
  --policy-document "$(policy Allow '"ecr:DescribeRepositories"' '*' '{"StringEquals":{"ecr:ResourceTag/team":"red"}}')"
ok "team/app is red" dave ecr describe-repositories --repository-names team/app
err AccessDeniedException "other/app is blue" dave ecr describe-repositories --repository-names other/app
ok "retag other/app red" berth ecr tag-resource --resource-arn "arn:aws:ecr:us-east-1:$ACCOUNT:repository/other/app" \
  --tags Key=team,Value=red
ok "now dave sees it" dave ecr describe-repositories --repository-names other/app
ok "dave may create repositories only tagged with a team" berth iam put-user-policy --user-name dave --policy-name create \
  --policy-document "$(policy Allow '"ecr:CreateRepository"' '*' '{"Null":{"aws:RequestTag/team":"false"}}')"
err AccessDeniedException "untagged create" dave ecr create-repository --repository-name dave/one
ok "tagged create" dave ecr create-repository --repository-name dave/one --tags Key=team,Value=red
ok "only from 10.0.0.0/8" berth iam put-user-policy --user-name dave --policy-name from-vpn \
  --policy-document "$(policy Deny '"ecr:*"' '*' '{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}')"
err AccessDeniedException "loopback is not the VPN" dave ecr describe-repositories --repository-names team/app
ok "or from loopback" berth iam put-user-policy --user-name dave --policy-name from-vpn \
  --policy-document "$(policy Deny '"ecr:*"' '*' '{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.0/8"]}}')"
ok "loopback passes" dave ecr describe-repositories --repository-names team/app
ok "only the release user tags prod-*" berth iam put-user-policy --user-name carol --policy-name no-prod \
  --policy-document "$(policy Deny '"ecr:PutImage"' '*' '{"StringLike":{"ecr:ImageTag":"prod-*"}}')"
err AccessDeniedException "carol may not push prod-1" carol ecr put-image --repository-name team/app \
  --image-tag prod-1 --image-manifest '{"schemaVersion":2}'
err InvalidParameterException "dev-1 passes authorization (and fails on the manifest)" carol ecr put-image \
  --repository-name team/app --image-tag dev-1 --image-manifest '{"schemaVersion":2}'

# --- inactive and deleted keys ---------------------------------------------------------------------
BOB_KEY=$(sed -n '/^\[bob\]/,/^\[/{s/^aws_access_key_id = //p}' "$CREDS_FILE")
ok "deactivate bob's key" berth iam update-access-key --user-name bob --access-key-id "$BOB_KEY" --status Inactive
err UnrecognizedClientException "an inactive key stops at once" bob ecr describe-repositories --repository-names team/app
err InvalidClientTokenId "on IAM too" bob sts get-caller-identity
ok "list shows it inactive" berth iam list-access-keys --user-name bob
jq_is '.AccessKeyMetadata[0].Status' '"Inactive"'
ok "reactivate" berth iam update-access-key --user-name bob --access-key-id "$BOB_KEY" --status Active
ok "works again" bob ecr describe-repositories --repository-names team/app
err DeleteConflict "a user with keys cannot be deleted" berth iam delete-user --user-name bob
ok "delete the key" berth iam delete-access-key --user-name bob --access-key-id "$BOB_KEY"
err UnrecognizedClientException "a deleted key is gone" bob ecr describe-repositories --repository-names team/app
ok "remove bob from readers" berth iam remove-user-from-group --group-name readers --user-name bob
ok "delete bob" berth iam delete-user --user-name bob
err NoSuchEntity "bob is gone" berth iam get-user --user-name bob
ok "detach and delete the group" berth iam detach-group-policy --group-name readers \
  --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly
ok "delete its inline policy" berth iam delete-group-policy --group-name readers --policy-name tag
ok "delete the empty group" berth iam delete-group --group-name readers
ok "detach push-team" berth iam detach-user-policy --user-name carol --policy-arn "$PUSH_ARN"
ok "delete push-team" berth iam delete-policy --policy-arn "$PUSH_ARN"

# --- a user managing IAM with the full-access policy for IAM -----------------------------------------
ok "release may manage users" berth iam put-user-policy --user-name release --policy-name iam \
  --policy-document "$(policy Allow '"iam:*"' '*')"
ok "release creates a user" release iam create-user --user-name erin
ok "release creates its own key without naming itself" release iam create-access-key
jq_is .AccessKey.UserName '"release"'
err ValidationError "the root's own keys are not IAM's" berth iam create-access-key

# --- the audit trail -------------------------------------------------------------------------------
TRAIL="$BERTH_DATA/audit/audit.log"
[ "$BERTH_NODES" -gt 1 ] && TRAIL="$BERTH_DATA/audit/audit.log $WORK/data-2/audit/audit.log $WORK/data-3/audit/audit.log"
ok "lookup-events by name" berth cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=CreateUser
# Each node keeps its own trail; behind the balancer a lookup answers from the node it reaches.
if [ "$BERTH_NODES" -eq 1 ]; then
  jq_is '[.Events[].EventName] | unique' '["CreateUser"]'
  jq_is '.Events | length' 9  # refused ones included
  jq_is '[.Events[] | .CloudTrailEvent | fromjson | .requestParameters.UserName] | .[-1]' '"alice"'
  ok "lookup-events by user" berth cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=carol
  jq_is '[.Events[] | select(.EventName == "SetRepositoryPolicy")] | length' 3
  # Newest first.
  jq_is '[.Events[] | .CloudTrailEvent | fromjson | select(.errorCode == "InvalidParameterException") | .eventName]' '["PutImage","SetRepositoryPolicy"]'
  ok "denials are there" berth cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=alice
  jq_is '[.Events[] | .CloudTrailEvent | fromjson | select(.errorCode == "AccessDeniedException")] | length > 0' true
  ok "lookup-events by repository" berth cloudtrail lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue=other/app
  jq_is '[.Events[].EventName] | index("SetRepositoryPolicy") != null' true
  ok "lookup-events by access key" berth cloudtrail lookup-events --lookup-attributes "AttributeKey=AccessKeyId,AttributeValue=$BOB_KEY"
  jq_is '[.Events[].Username] | unique' '["bob"]'
  ok "paged" berth cloudtrail lookup-events --max-items 3
  jq_is '.Events | length' 3
  check "with a token for more" test "$(jq -r .NextToken "$OUT")" != null
  ok "a time window with nothing in it" berth cloudtrail lookup-events --start-time 2001-01-01T00:00:00Z --end-time 2001-01-02T00:00:00Z
  jq_is '.Events | length' 0
fi
err InvalidLookupAttributesException "an unknown attribute" berth cloudtrail lookup-events \
  --lookup-attributes AttributeKey=Colour,AttributeValue=red
err AccessDeniedException "carol may not read the trail" carol cloudtrail lookup-events
# shellcheck disable=SC2086
check "records are CloudTrail-shaped" sh -c "cat $TRAIL | jq -e -s 'map(select(.eventVersion == \"1.08\" and .userIdentity.type != null and .requestID != null)) | length > 100' >/dev/null"
for secret in "$SECRET_ALICE" "$(sed -n '/^\[release\]/,/^\[/{s/^aws_secret_access_key = //p}' "$CREDS_FILE")"; do
  # shellcheck disable=SC2086
  check "no secret in the trail" sh -c "! cat $TRAIL | grep -qF -- '$secret'"
done

finish
