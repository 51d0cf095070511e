#!/usr/bin/env bash
# Runs one CLI scenario against one test engine: cli_test.sh <pocketdock binary> <podman|docker> <case>.
# Containers carry pocketdock.test=true (POCKETDOCK_EXTRA_LABELS); everything made is removed.
set -uo pipefail
bin=$1 engine=$2 case=$3
var=POCKETDOCK_TEST_$(echo "$engine" | tr a-z A-Z)_SOCKET
sock=${!var:-/run/pocketdock/$engine.sock}
export POCKETDOCK_SOCKET=$sock POCKETDOCK_EXTRA_LABELS=pocketdock.test=true NO_COLOR=1
suffix=$(head -c 5 /dev/urandom | od -An -tx1 | tr -d ' \n')
name=pdtest-cli-$suffix
work=$(mktemp -d)
images=()

api() {  # api METHOD PATH: calls the engine directly, prints the body
  curl -s --max-time 60 --unix-socket "$sock" -X "$1" "http://localhost/v1.41$2"
}
cleanup() {
  api DELETE "/containers/$name?force=true" >/dev/null
  api DELETE "/containers/$name-p?force=true" >/dev/null
  for i in "${images[@]}"; do api DELETE "/images/$i" >/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

fails=0
check() {  # check DESCRIPTION COMMAND...: the command must succeed
  if "${@:2}"; then echo "ok: $1"; else echo "FAILED: $1"; fails=$((fails + 1)); fi
}
expect_rc() {  # expect_rc WANT GOT DESCRIPTION
  if [ "$2" -eq "$1" ]; then echo "ok: $3 (exit $2)"; else echo "FAILED: $3: exit $2, wanted $1"; fails=$((fails + 1)); fi
}
contains() { grep -qF -- "$2" <<<"$1"; }
pd() { "$bin" "$@"; }
create() { pd create --image pocketdock/minimal-shell --name "$name" >"$work/create.out" 2>&1; }

case $case in
  create)
    create; expect_rc 0 $? "create"
    out=$(cat "$work/create.out")
    check "prints 'Container $name created (<id>)'" grep -qE "^Container $name created \([0-9a-f]{12}\)$" "$work/create.out"
    check "no ✓ symbol when stdout is not a terminal" test "$(grep -c '✓' "$work/create.out")" -eq 0
    state=$(api GET "/containers/$name/json" | grep -o '"Running":[a-z]*')
    check "the container is left running" test "$state" = '"Running":true'
    labels=$(api GET "/containers/$name/json")
    check "it carries pocketdock.instance=$name" contains "$labels" "\"pocketdock.instance\":\"$name\""
    check "it carries the extra test label" contains "$labels" '"pocketdock.test":"true"'
    pd create --image pocketdock/minimal-shell --name "$name" >"$work/dup.out" 2>&1; rc=$?
    expect_rc 1 $rc "a second create with the same name fails"
    check "with a message saying the name is in use" grep -q "already in use" "$work/dup.out"
    pd create --profile minimal-shell --name "$name-p" >/dev/null; expect_rc 0 $? "create --profile minimal-shell"
    inspect=$(api GET "/containers/$name-p/json")
    check "uses the profile's image" grep -qE '"Image":"(docker.io/)?pocketdock/minimal-shell' <<<"$inspect"
    check "applies the profile's network_default (off)" contains "$inspect" '"NetworkMode":"none"'
    ;;
  run)
    create; expect_rc 0 $? "create"
    out=$(pd run "$name" echo hello); rc=$?
    expect_rc 0 $rc "run echo hello"
    check "stdout is 'hello'" test "$out" = "hello"
    pd run "$name" 'exit 42'; expect_rc 42 $? "run passes the command's exit code through"
    err=$(pd run "$name" 'printf oops >&2; exit 3' 2>&1 >/dev/null); rc=$?
    expect_rc 3 $rc "run with stderr"
    check "stderr goes to stderr, newline added" test "$err" = "oops"
    out=$(pd run "$name" -- ls -la /home); rc=$?
    expect_rc 0 $rc "run -- ls -la /home"
    check "options after -- belong to the command" contains "$out" "sandbox"
    pd run "$name" ls -la >/dev/null 2>&1; expect_rc 2 $? "options of the command without -- are a usage error"
    pd run "$name" --timeout 1 sleep 10 >/dev/null 2>&1; expect_rc 255 $? "a timed-out command exits 255"
    pd run pdtest-cli-no-such-$suffix true >/dev/null 2>"$work/nf.err"; expect_rc 1 $? "run on a missing container"
    check "says Container Not Found" grep -q "Container Not Found" "$work/nf.err"
    api POST "/containers/$name/stop?t=0" >/dev/null
    pd run "$name" true >/dev/null 2>"$work/stopped.err"; expect_rc 1 $? "run on a stopped container fails"
    state=$(api GET "/containers/$name/json" | grep -o '"Running":[a-z]*')
    check "and does not start it" test "$state" = '"Running":false'
    check "saying it is not running" grep -q "is not running" "$work/stopped.err"
    ;;
  shutdown)
    create; expect_rc 0 $? "create"
    out=$(echo n | pd shutdown "$name"); rc=$?
    expect_rc 0 $rc "shutdown answered 'n'"
    check "prints Aborted." contains "$out" "Aborted."
    check "the container is still there" contains "$(api GET "/containers/$name/json")" "\"Id\""
    out=$(pd shutdown "$name" --yes); rc=$?
    expect_rc 0 $rc "shutdown --yes"
    check "prints 'Container $name shut down and removed'" test "$out" = "Container $name shut down and removed"
    check "the container is gone" contains "$(api GET "/containers/$name/json")" "o such container"
    pd shutdown "$name" -y >/dev/null 2>"$work/again.err"; expect_rc 1 $? "shutdown of a missing container"
    check "says Container Not Found" grep -q "Container Not Found" "$work/again.err"
    ;;
  profiles)
    pd profiles --json >"$work/p.json"; expect_rc 0 $? "profiles --json"
    check "7 entries" test "$(grep -c '"name":' "$work/p.json")" -eq 7
    check "minimal-shell is one" grep -q '"name": "minimal-shell"' "$work/p.json"
    check "entries have the reference's fields" grep -q '"size_estimate": "~25MB"' "$work/p.json"
    check "network_default of dev is true" bash -c "grep -A3 '\"name\": \"dev\"' '$work/p.json' | grep -q '\"network_default\": true'"
    out=$(pd profiles); rc=$?
    expect_rc 0 $rc "profiles"
    check "table titled Image Profiles" contains "$out" "Image Profiles"
    check "with a Network column" contains "$out" "disabled"
    ;;
  build)
    out=$(pd build minimal-shell); rc=$?
    expect_rc 0 $rc "build minimal-shell"
    check "prints Building pocketdock/minimal-shell ..." contains "$out" "Building pocketdock/minimal-shell ..."
    check "streams the engine's progress" grep -qiE "step [0-9]+/[0-9]+" <<<"$out"
    check "prints Built pocketdock/minimal-shell" contains "$out" "Built pocketdock/minimal-shell"
    pd build no-such-profile >/dev/null 2>"$work/unknown.err"; expect_rc 1 $? "build of an unknown profile"
    check "names the known profiles" grep -q "Unknown profile 'no-such-profile'. Known profiles: agent" "$work/unknown.err"
    ;;
  export)
    a=pdtest-cli-$suffix-a b=pdtest-cli-$suffix-b
    images=("$a" "$b")
    api POST "/images/pocketdock/minimal-shell/tag?repo=$a&tag=latest" >/dev/null
    api POST "/images/pocketdock/minimal-shell/tag?repo=$b&tag=latest" >/dev/null
    out=$(pd export --image "$a" --image "$b" -o "$work/two.tar.gz"); rc=$?
    expect_rc 0 $rc "export of two images"
    check "prints Exported to FILE" contains "$out" "Exported to $work/two.tar.gz"
    check "the file is gzip" test "$(head -c 2 "$work/two.tar.gz" | od -An -tx1 | tr -d ' ')" = "1f8b"
    check "ONE archive holding both images" bash -c "gzip -dc '$work/two.tar.gz' | tar xOf - manifest.json | grep -q '$a:latest' && gzip -dc '$work/two.tar.gz' | tar xOf - manifest.json | grep -q '$b:latest'"
    api DELETE "/images/$a" >/dev/null; api DELETE "/images/$b" >/dev/null
    check "the images are removed before the import" contains "$(api GET "/images/$a/json")" "o such image"
    out=$(pd import "$work/two.tar.gz"); rc=$?
    expect_rc 0 $rc "import"
    check "prints Imported from FILE" contains "$out" "Imported from $work/two.tar.gz"
    check "reports both names" bash -c "grep -q 'Loaded $a:latest' <<<'$out' && grep -q 'Loaded $b:latest' <<<'$out'"
    check "image a is back" contains "$(api GET "/images/$a/json")" '"Id"'
    check "image b is back" contains "$(api GET "/images/$b/json")" '"Id"'
    pd export -o "$work/none.tar" >/dev/null 2>"$work/usage.err"; expect_rc 2 $? "export without images"
    check "says Specify --image, --profile, or --all" grep -q "Specify --image, --profile, or --all" "$work/usage.err"
    pd import "$work/missing.tar" >/dev/null 2>&1; expect_rc 2 $? "import of a missing file"
    ;;
  quickstart)
    out=$(pd quickstart); rc=$?
    expect_rc 0 $rc "quickstart"
    for word in build create run 8080 "pocketdock quickstart"; do check "mentions '$word'" contains "$out" "$word"; done
    out=$(pd --version); check "--version prints 'pocketdock, version X'" grep -qE '^pocketdock, version [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out"
    check "--help shows the group text" contains "$(pd --help)" "Portable container sandboxes for LLM agents and dev workflows."
    ;;
  *)
    echo "unknown case $case"; exit 2 ;;
esac
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
