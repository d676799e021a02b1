#!/usr/bin/env bash
# Repository creation templates with the aws CLI: created, described, updated and deleted with
# ECR's errors; a push with skopeo to a repository that does not exist yet creates it with the
# settings of the CREATE_ON_PUSH template whose prefix holds its name (the longest one, else
# ROOT): tag mutability, tags, repository policy and lifecycle policy; templates apply only when
# a repository is created, never to existing ones.
source "$(dirname "$0")/lib.sh"
berth_start
aws_admin

ACCOUNT=$(admin ecr describe-registry | jq -r .registryId)
POLICY='{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}'
LIFECYCLE='{"rules":[{"rulePriority":1,"description":"old","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}'

# --- the API ---------------------------------------------------------------------------------------
run_ok "a template for team/" create-repository-creation-template --prefix team --applied-for CREATE_ON_PUSH \
  --description "team repositories" --image-tag-mutability IMMUTABLE \
  --resource-tags Key=owner,Value=team Key=cost,Value=42 --repository-policy "$POLICY" --lifecycle-policy "$LIFECYCLE"
jq_check "it is echoed" '.repositoryCreationTemplate | [.prefix, .appliedFor, .imageTagMutability, .encryptionConfiguration.encryptionType, (.createdAt > 0)]' \
  '["team",["CREATE_ON_PUSH"],"IMMUTABLE","AES256",true]'
run_ok "a deeper one for team/web/" create-repository-creation-template --prefix team/web/ --applied-for CREATE_ON_PUSH REPLICATION \
  --image-tag-mutability MUTABLE
run_ok "ROOT for everything else" create-repository-creation-template --prefix ROOT --applied-for CREATE_ON_PUSH \
  --resource-tags Key=origin,Value=push
run_ok "one only for the pull-through cache" create-repository-creation-template --prefix cache --applied-for PULL_THROUGH_CACHE
run_err TemplateAlreadyExistsException "a prefix has one template" create-repository-creation-template --prefix team \
  --applied-for CREATE_ON_PUSH
run_err InvalidParameterException "a broken lifecycle policy" create-repository-creation-template --prefix bad \
  --applied-for CREATE_ON_PUSH --lifecycle-policy '{"rules":[]}'
run_err InvalidParameterException "a broken repository policy" create-repository-creation-template --prefix bad \
  --applied-for CREATE_ON_PUSH --repository-policy '{"Statement":"x"}'
run_err InvalidParameterException "exclusion filters without an exclusion mode" create-repository-creation-template \
  --prefix bad --applied-for CREATE_ON_PUSH --image-tag-mutability-exclusion-filters filterType=WILDCARD,filter=x
run_ok "describe them all" describe-repository-creation-templates
jq_check "by prefix" '[.repositoryCreationTemplates[].prefix]' '["ROOT","cache","team","team/web"]'
run_ok "describe some" describe-repository-creation-templates --prefixes team/web cache
jq_check "those" '[.repositoryCreationTemplates[].prefix]' '["cache","team/web"]'
run_ok "a page of one" describe-repository-creation-templates --max-results 1 --no-paginate
jq_check "and a token" '[(.repositoryCreationTemplates | length), (.nextToken | type)]' '[1,"string"]'
run_ok "update a field" update-repository-creation-template --prefix cache --description "the cache" \
  --image-tag-mutability IMMUTABLE
jq_check "the others stay" '.repositoryCreationTemplate | [.description, .imageTagMutability, .appliedFor]' \
  '["the cache","IMMUTABLE",["PULL_THROUGH_CACHE"]]'
run_err TemplateNotFoundException "updating a missing template" update-repository-creation-template --prefix nope \
  --description x
run_ok "delete one" delete-repository-creation-template --prefix cache
jq_check "it is returned" '.repositoryCreationTemplate.description' '"the cache"'
run_err TemplateNotFoundException "deleting it again" delete-repository-creation-template --prefix cache

# --- pushes create repositories from them -----------------------------------------------------------
python3 "$ROOT/tests/e2e/make_oci_layout.py" "$WORK/img" v1 --layers 2000 >/dev/null
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$WORK/policy.json"
push() { skopeo --policy "$WORK/policy.json" copy -q --dest-creds "$AK:$SK" --dest-tls-verify=false "oci:$WORK/img:v1" "docker://$BERTH_HOST/$1:v1"; }
check "push to team/api (new)" push team/api
check "push to team/web/site (new)" push team/web/site
check "push to other/thing (new)" push other/thing
run_ok "describe them" describe-repositories --repository-names team/api team/web/site other/thing
jq_check "team/ made team/api immutable, team/web/ made team/web/site mutable" \
  '[.repositories[] | .imageTagMutability]' '["IMMUTABLE","MUTABLE","MUTABLE"]'
run_ok "team/api's tags" list-tags-for-resource --resource-arn "arn:aws:ecr:us-east-1:$ACCOUNT:repository/team/api"
jq_check "from its template" '[.tags[] | .Key + "=" + .Value] | sort' '["cost=42","owner=team"]'
run_ok "other/thing's tags" list-tags-for-resource --resource-arn "arn:aws:ecr:us-east-1:$ACCOUNT:repository/other/thing"
jq_check "from ROOT" '[.tags[] | .Key + "=" + .Value]' '["origin=push"]'
run_ok "team/api's repository policy" get-repository-policy --repository-name team/api
jq_check "from its template" '.policyText | fromjson | .Statement[0].Sid' '"pull"'
run_ok "team/api's lifecycle policy" get-lifecycle-policy --repository-name team/api
jq_check "from its template" '.lifecyclePolicyText | fromjson | .rules[0].description' '"old"'
run_err RepositoryPolicyNotFoundException "team/web/site has no policy" get-repository-policy --repository-name team/web/site
req_anon GET /v2/team/api/manifests/v1 -H "Accept: application/vnd.oci.image.manifest.v1+json"
expect_status 200 "the template's policy lets anyone pull from team/api"
req_anon GET /v2/team/web/site/manifests/v1 -H "Accept: application/vnd.oci.image.manifest.v1+json"
expect_status 401 "but not from team/web/site"

# --- never retroactively ----------------------------------------------------------------------------
run_ok "change team/" update-repository-creation-template --prefix team --image-tag-mutability MUTABLE
run_ok "team/api is as it was created" describe-repositories --repository-names team/api
jq_check "still immutable" '.repositories[0].imageTagMutability' '"IMMUTABLE"'
run_ok "create-repository is not a push" create-repository --repository-name team/explicit
jq_check "so it gets no template" '.repository.imageTagMutability' '"MUTABLE"'
run_ok "team/explicit has no tags" list-tags-for-resource --resource-arn "arn:aws:ecr:us-east-1:$ACCOUNT:repository/team/explicit"
jq_check "none" '.tags | length' '0'
finish
