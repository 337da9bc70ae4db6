#!/usr/bin/env bash
# Deploys the inbox to AWS: the stack (template.yaml), then the web page behind its CloudFront
# distribution.
#
#   scripts/deploy.sh [sam deploy options]      e.g. scripts/deploy.sh --guided (the first time)
#
# 1. `sam build` and `sam deploy` with the options given (samconfig.toml keeps the answers of
#    --guided, so later runs need none).
# 2. Reads the stack's outputs (SiteUrl, SiteBucketName, SiteDistributionId; with the Cognito
#    pool, UserPoolClientId and HostedUiUrl).
# 3. Builds the page (`npm ci && npm run build` in web/) and writes config.json beside a copy
#    of it (never into web/dist, which the local runner serves). config.json names the identity
#    provider the page signs in with: Cognito's hosted UI, or, with another OpenID Connect
#    issuer (the JwtIssuer parameter), the addresses in INBOX_AUTH_AUTHORIZE_URL,
#    INBOX_AUTH_TOKEN_URL, INBOX_AUTH_CLIENT_ID and INBOX_AUTH_LOGOUT_URL (which win over the
#    outputs when set).
# 4. Uploads it to the bucket (hashed assets cached for a year, index.html and config.json
#    revalidated on every load; files of older builds deleted) and invalidates index.html and
#    config.json at CloudFront.
#
# 0. Before anything: the SSM parameters the functions read at start exist (else it stops and
#    names them), and whether SES has production access (a note if not).
#
# Environment: STACK_NAME and AWS_REGION (default: --stack-name/--region among the options,
# else samconfig.toml's, else the AWS CLI's region); PAGE_ONLY=1 skips step 1 (the page alone);
# SECRETS_PATH (the SecretsPath parameter, default /inbox); SKIP_PREFLIGHT=1 skips step 0.
# Needs sam, the AWS CLI, cargo-lambda (for sam build), Node.js 20.19+ and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf 'deploy.sh: %s\n' "$*"; }
die() {
    printf 'deploy.sh: %s\n' "$*" >&2
    exit 1
}
for tool in aws node npm; do
    command -v "$tool" >/dev/null || die "$tool is not on PATH"
done

# The stack and region: the environment, the options given, samconfig.toml, the AWS CLI.
stack=${STACK_NAME:-}
region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
        --stack-name) stack=${stack:-${args[i + 1]:-}} ;;
        --stack-name=*) stack=${stack:-${args[i]#*=}} ;;
        --region) region=${region:-${args[i + 1]:-}} ;;
        --region=*) region=${region:-${args[i]#*=}} ;;
    esac
done
from_samconfig() {
    [[ -f samconfig.toml ]] || return 0
    sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" samconfig.toml | head -n 1
}

# What the functions read at their first start, checked before anything is deployed: a
# missing secret fails here, in words, not at the first webhook (SSM SecureString values cannot
# be made by CloudFormation, so the stack cannot make them either). SECRETS_PATH is the
# template's SecretsPath (default /inbox; --parameter-overrides SecretsPath=… is read too).
preflight() {
    local path=${SECRETS_PATH:-}
    for ((i = 0; i < ${#args[@]}; i++)); do
        [[ ${args[i]} =~ SecretsPath=([^[:space:]\"\']+) ]] && path=${path:-${BASH_REMATCH[1]}}
    done
    path=${path:-$(sed -n 's/.*SecretsPath=\\\{0,1\}"\{0,1\}\([^ "\\]*\).*/\1/p' samconfig.toml 2>/dev/null | head -n 1)}
    path=${path:-/inbox}
    local names=() n missing
    for n in webhook/meta-app-secret webhook/meta-verify-token webhook/x-consumer-secret webhook/linkedin-client-secret \
        api/cursor-key mail/unsubscribe-key; do
        names+=("$path/$n")
    done
    local -a reg=()
    local r=${region:-$(from_samconfig region)}
    [[ -n $r ]] && reg=(--region "$r")
    missing=$(aws "${reg[@]}" ssm get-parameters --names "${names[@]}" --query 'InvalidParameters' --output text) \
        || die "cannot read SSM Parameter Store (credentials, region?)"
    if [[ -n $missing && $missing != None ]]; then
        die "missing in SSM Parameter Store (SecureString, see docs/aws.md, Deploying): $missing"
    fi
    # SES: in the sandbox, emails reach verified addresses only (in-app notifications do not
    # depend on email: the notifier writes them first).
    local production
    production=$(aws "${reg[@]}" sesv2 get-account --query 'ProductionAccessEnabled' --output text 2>/dev/null || echo unknown)
    if [[ $production != True ]]; then
        say "note: SES production access is not enabled in this region ($production): notification emails reach verified addresses only until AWS grants it (in-app notifications are not affected)"
    fi
}

if [[ ${PAGE_ONLY:-0} != 1 ]]; then
    command -v sam >/dev/null || die "sam (the AWS SAM CLI) is not on PATH"
    [[ ${SKIP_PREFLIGHT:-0} == 1 ]] || preflight
    say "sam build"
    sam build
    say "sam deploy $*"
    sam deploy "$@"
fi

stack=${stack:-$(from_samconfig stack_name)}
region=${region:-$(from_samconfig region)}
region=${region:-$(aws configure get region || true)}
[[ -n $stack ]] || die "which stack? Set STACK_NAME, pass --stack-name, or deploy once with --guided (it writes samconfig.toml)"
[[ -n $region ]] || die "which region? Set AWS_REGION or pass --region"
aws_() { aws --region "$region" "$@"; }

outputs=$(aws_ cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output json)
output() {
    OUTPUTS=$outputs node -e '
        const o = (JSON.parse(process.env.OUTPUTS) || []).find((x) => x.OutputKey === process.argv[1]);
        process.stdout.write(o ? o.OutputValue : "");
    ' "$1"
}
site_url=$(output SiteUrl)
bucket=$(output SiteBucketName)
distribution=$(output SiteDistributionId)
[[ -n $site_url && -n $bucket && -n $distribution ]] \
    || die "stack $stack has no SiteUrl, SiteBucketName or SiteDistributionId output: deploy this template first"

# The identity provider the page signs in with.
hosted_ui=$(output HostedUiUrl)
client_id=${INBOX_AUTH_CLIENT_ID:-$(output UserPoolClientId)}
authorize_url=${INBOX_AUTH_AUTHORIZE_URL:-}
token_url=${INBOX_AUTH_TOKEN_URL:-}
logout_url=${INBOX_AUTH_LOGOUT_URL:-}
if [[ -z $authorize_url && -n $hosted_ui ]]; then
    authorize_url=$hosted_ui/oauth2/authorize
    token_url=${token_url:-$hosted_ui/oauth2/token}
    logout_url=${logout_url:-$(node -e '
        const [ui, client, back] = process.argv.slice(1);
        const u = new URL(ui + "/logout");
        u.searchParams.set("client_id", client);
        u.searchParams.set("logout_uri", back);
        process.stdout.write(u.toString());
    ' "$hosted_ui" "$client_id" "$site_url/")}
fi
if [[ -z $authorize_url || -z $client_id ]]; then
    say "warning: no identity provider for the page (give CognitoDomainPrefix for Cognito's hosted UI," >&2
    say "warning: or set INBOX_AUTH_AUTHORIZE_URL and INBOX_AUTH_CLIENT_ID); it will ask for a bearer token" >&2
    authorize_url=""
fi

say "building the page"
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
# Uploaded from a copy: web/dist itself never gets a config.json, which would turn the local
# runner's page (which serves web/dist) into this deployment's.
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
cp -R "$root/web/dist/." "$dist/"
AUTHORIZE_URL=$authorize_url TOKEN_URL=$token_url CLIENT_ID=$client_id LOGOUT_URL=$logout_url node -e '
    const e = process.env;
    const auth = e.AUTHORIZE_URL
        ? { authorize_url: e.AUTHORIZE_URL, client_id: e.CLIENT_ID, ...(e.TOKEN_URL && { token_url: e.TOKEN_URL }), ...(e.LOGOUT_URL && { logout_url: e.LOGOUT_URL }) }
        : null;
    require("node:fs").writeFileSync(process.argv[1], JSON.stringify({ auth }, null, 2) + "\n");
' "$dist/config.json"
say "config.json: $(tr -d '\n' <"$dist/config.json")"

# New hashed assets first (the old index.html still in browsers keeps finding its own), then
# the files that name them, then the files of older builds go.
s3=s3://$bucket
say "uploading to $s3"
aws_ s3 sync "$dist/assets" "$s3/assets" --no-progress --cache-control "public, max-age=31536000, immutable"
aws_ s3 cp "$dist/config.json" "$s3/config.json" --no-progress --cache-control "no-cache" --content-type "application/json"
aws_ s3 cp "$dist/index.html" "$s3/index.html" --no-progress --cache-control "no-cache" --content-type "text/html; charset=utf-8"
aws_ s3 sync "$dist" "$s3" --no-progress --delete --exclude "assets/*" --exclude index.html --exclude config.json --cache-control "public, max-age=300"
aws_ s3 sync "$dist/assets" "$s3/assets" --no-progress --delete --cache-control "public, max-age=31536000, immutable"

# Every page address is /index.html by the time CloudFront looks in its cache (the viewer-request
# function rewrites it), so these two paths are all there is to invalidate.
invalidation=$(aws cloudfront create-invalidation --distribution-id "$distribution" --paths /index.html /config.json --query Invalidation.Id --output text)
say "invalidation $invalidation of /index.html and /config.json started"
say "the web inbox: $site_url/"
