#!/usr/bin/env bash
# Runs one CLI scenario against one test engine: cli_test.sh <pocketdock binary> <podman|docker> <case>.
# Containers carry pocketdock.test=true and, when POCKETDOCK_TEST_RUN_ID is set,
# pocketdock.test.run=<id> (POCKETDOCK_EXTRA_LABELS), so the run-scoped leak check sees them;
# everything made is removed.
set -uo pipefail
bin=$(realpath "$1") engine=$2 case=$3
var=POCKETDOCK_TEST_$(echo "$engine" | tr a-z A-Z)_SOCKET
sock=${!var:-/run/pocketdock/$engine.sock}
export POCKETDOCK_SOCKET=$sock NO_COLOR=1
export POCKETDOCK_EXTRA_LABELS="pocketdock.test=true${POCKETDOCK_TEST_RUN_ID:+,pocketdock.test.run=$POCKETDOCK_TEST_RUN_ID}"
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
  api DELETE "/containers/$name-s?force=true" >/dev/null
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
create() { pd create --image pocketdock/minimal-shell --name "$name" "$@" >"$work/create.out" 2>&1; }
running() { api GET "/containers/$1/json" | grep -o '"Running":[a-z]*' | cut -d: -f2; }
json_field() {  # json_field FILE EXPR: a Python expression over the JSON file d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

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
    pd create --image pocketdock/minimal-shell --name "$name-s" --security strict --runtime runc >/dev/null
    expect_rc 0 $? "create --security strict --runtime runc"
    inspect=$(api GET "/containers/$name-s/json")
    check "strict: read-only root" contains "$inspect" '"ReadonlyRootfs":true'
    check "strict: the profile label" contains "$inspect" '"pocketdock.security":"strict"'
    pd info "$name-s" >"$work/sinfo.out" 2>&1
    check "info shows the posture" grep -q "Security: strict" "$work/sinfo.out"
    pd create --image pocketdock/minimal-shell --name "$name-x" --runtime no-such-runtime >"$work/rt.out" 2>&1
    expect_rc 1 $? "an unknown runtime fails"
    check "naming what the engine offers" grep -q "runc" "$work/rt.out"
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
  info)
    create; expect_rc 0 $? "create"
    pd info "$name" --json >"$work/i.json"; expect_rc 0 $? "info --json"
    check "JSON name is $name" test "$(json_field "$work/i.json" 'd["name"]')" = "$name"
    check "JSON status is running" test "$(json_field "$work/i.json" 'd["status"]')" = "running"
    check "JSON has the reference's fields" test "$(json_field "$work/i.json" '",".join(k for k in ("id","image","memory_usage","cpu_percent","pids","ports","processes") if k in d)')" = "id,image,memory_usage,cpu_percent,pids,ports,processes"
    out=$(pd info "$name"); rc=$?
    expect_rc 0 $rc "info"
    check "panel titled with the name" test "$(head -1 <<<"$out")" = "$name"
    check "with ID (12 characters) and Status" grep -qE "^ID: +[0-9a-f]{12}$" <<<"$out"
    api POST "/containers/$name/stop?t=0" >/dev/null
    pd info "$name" --json >"$work/s.json"; expect_rc 0 $? "info --json of a stopped container"
    check "reports it stopped" test "$(json_field "$work/s.json" 'd["status"]')" != "running"
    check "and does not start it" test "$(running "$name")" = false
    ;;
  list)
    create; expect_rc 0 $? "create"
    pd list --json >"$work/l.json"; expect_rc 0 $? "list --json"
    check "lists $name as running" test "$(json_field "$work/l.json" '[i["status"] for i in d if i["name"]=="'"$name"'"][0]')" = "running"
    check "items have the reference's keys" test "$(json_field "$work/l.json" '",".join(sorted(d[0].keys()))')" = "created_at,id,image,name,persist,project,status"
    out=$(pd list); rc=$?
    expect_rc 0 $rc "list"
    check "table titled Containers" test "$(head -1 <<<"$out")" = "Containers"
    check "shows $name" contains "$out" "$name"
    out=$(pd list --project "pdtest-cli-none-$suffix"); check "an empty project: No containers found." test "$out" = "No containers found."
    ;;
  stop)
    create; expect_rc 0 $? "create"
    out=$(pd stop "$name"); expect_rc 0 $? "stop"
    check "prints 'Container $name stopped'" test "$out" = "Container $name stopped"
    check "the container is stopped" test "$(running "$name")" = false
    check "and not removed" contains "$(api GET "/containers/$name/json")" '"Id"'
    pd stop "$name" >/dev/null; expect_rc 0 $? "stop of a stopped container"
    pd stop "pdtest-cli-no-such-$suffix" >/dev/null 2>&1; expect_rc 1 $? "stop of a missing container"
    ;;
  resume)
    create; expect_rc 0 $? "create"
    api POST "/containers/$name/stop?t=0" >/dev/null
    pd run "$name" true >/dev/null 2>"$work/nr.err"; expect_rc 1 $? "run on the stopped container"
    check "suggests pocketdock resume $name" grep -q "pocketdock resume $name" "$work/nr.err"
    out=$(pd resume "$name"); expect_rc 0 $? "resume"
    check "prints 'Container $name resumed (<id>)'" grep -qE "^Container $name resumed \([0-9a-f]{12}\)$" <<<"$out"
    check "the container runs again" test "$(running "$name")" = true
    check "and stays running after the CLI exits" test "$(pd run "$name" echo back)" = back
    ;;
  reboot)
    create; expect_rc 0 $? "create"
    pd run "$name" 'echo kept > /home/sandbox/marker'; expect_rc 0 $? "write a marker file"
    out=$(pd reboot "$name"); expect_rc 0 $? "reboot"
    check "prints 'Container $name rebooted (in-place)'" test "$out" = "Container $name rebooted (in-place)"
    check "the file survives an in-place reboot" test "$(pd run "$name" cat /home/sandbox/marker)" = kept
    out=$(pd reboot "$name" --fresh); expect_rc 0 $? "reboot --fresh"
    check "prints 'Container $name rebooted (fresh)'" test "$out" = "Container $name rebooted (fresh)"
    pd run "$name" 'test ! -e /home/sandbox/marker'; expect_rc 0 $? "a fresh reboot gives a clean filesystem"
    check "it carries the test labels still" contains "$(api GET "/containers/$name/json")" '"pocketdock.test":"true"'
    ;;
  snapshot)
    create; expect_rc 0 $? "create"
    img=pdtest-cli-snap-$suffix
    images=("$img")
    pd run "$name" 'echo in-image > /home/sandbox/snap'
    out=$(pd snapshot "$name" "$img"); expect_rc 0 $? "snapshot"
    check "prints 'Snapshot saved as $img (<12 hex>)'" grep -qE "^Snapshot saved as $img \([0-9a-f]{12}\)$" <<<"$out"
    check "the image exists" contains "$(api GET "/images/$img/json")" '"Id"'
    pd create --image "$img" --name "$name-p" >/dev/null; expect_rc 0 $? "create from the snapshot"
    check "holds the file" test "$(pd run "$name-p" cat /home/sandbox/snap)" = in-image
    pd shutdown "$name-p" --yes >/dev/null
    api DELETE "/images/$img" >/dev/null
    check "the image is removed" contains "$(api GET "/images/$img/json")" "o such image"
    ;;
  prune)
    project=pdtest-cli-prj-$suffix
    create --project "$project"; expect_rc 0 $? "create (running) in project $project"
    pd create --image pocketdock/minimal-shell --name "$name-p" --project "$project" >/dev/null; expect_rc 0 $? "create a second"
    pd stop "$name-p" >/dev/null
    out=$(echo n | pd prune --project "$project"); expect_rc 0 $? "prune answered 'n'"
    check "prints Aborted." contains "$out" "Aborted."
    check "the stopped container is still there" contains "$(api GET "/containers/$name-p/json")" '"Id"'
    out=$(pd prune --yes --project "$project"); expect_rc 0 $? "prune --yes --project"
    check "prints 'Removed 1 container(s)'" test "$out" = "Removed 1 container(s)"
    check "the stopped container is gone" contains "$(api GET "/containers/$name-p/json")" "o such container"
    check "the running one is kept" test "$(running "$name")" = true
    ;;
  push)
    create; expect_rc 0 $? "create"
    printf 'line one\nline "two"\n' >"$work/up.txt"
    out=$(pd push "$name" "$work/up.txt" /home/sandbox/up.txt); expect_rc 0 $? "push"
    check "prints 'Copied SRC -> $name:DST'" test "$out" = "Copied $work/up.txt -> $name:/home/sandbox/up.txt"
    check "the file arrived intact" test "$(pd run "$name" cat /home/sandbox/up.txt)" = "$(cat "$work/up.txt")"
    pd push "$name" "$work/missing" /tmp/x >/dev/null 2>&1; expect_rc 1 $? "push of a missing host file"
    ;;
  pull)
    create; expect_rc 0 $? "create"
    pd run "$name" 'mkdir -p /home/sandbox/d && printf "a\nb\n" > /home/sandbox/d/f.txt'
    out=$(pd pull "$name" /home/sandbox/d/f.txt "$work/f.txt"); expect_rc 0 $? "pull of a file"
    check "prints 'Copied $name:SRC -> DST'" test "$out" = "Copied $name:/home/sandbox/d/f.txt -> $work/f.txt"
    check "the file is on the host" test "$(cat "$work/f.txt")" = "$(printf 'a\nb')"
    pd pull "$name" /home/sandbox/d "$work/dir" >/dev/null; expect_rc 0 $? "pull of a directory"
    check "the directory came with its file" test -f "$work/dir/f.txt" -o -f "$work/dir/d/f.txt"
    pd pull "$name" /home/sandbox/nope "$work/nope" >/dev/null 2>&1; expect_rc 1 $? "pull of a missing path"
    ;;
  init)
    cd "$work" || exit 1
    out=$(pd init --name "pdtest-cli-prj-$suffix"); expect_rc 0 $? "init"
    check "prints 'Project initialized at $work'" test "$out" = "Project initialized at $(realpath "$work")"
    check "writes the project name" grep -qx "project_name: pdtest-cli-prj-$suffix" .pocketdock/pocketdock.yaml
    check "makes instances/" test -d .pocketdock/instances
    mkdir sub && out=$(pd init sub); expect_rc 0 $? "init PATH"
    check "names the project after the directory" grep -qx "project_name: sub" sub/.pocketdock/pocketdock.yaml
    ;;
  status|logs|doctor)
    project=pdtest-cli-prj-$suffix
    cd "$work" || exit 1
    mkdir elsewhere
    (cd elsewhere && pd "$case" >/dev/null 2>"$work/np.err"); expect_rc 1 $? "$case outside a project"
    check "says Project Not Initialized" grep -q "Project Not Initialized" "$work/np.err"
    pd init --name "$project" >/dev/null; expect_rc 0 $? "init"
    create --persist; expect_rc 0 $? "create --persist in the project"
    check "an instance directory is made" test -d ".pocketdock/instances/$name"
    case $case in
      status)
        pd status --json >"$work/st.json"; expect_rc 0 $? "status --json"
        check "project, 1 instance, 1 container, 1 running" test "$(json_field "$work/st.json" '"%s %s %s %s %s" % (d["project"], d["instances"], d["containers"], d["running"], d["stopped"])')" = "$project 1 1 1 0"
        check "root is the project root" test "$(json_field "$work/st.json" 'd["root"]')" = "$(realpath "$work")"
        pd stop "$name" >/dev/null
        out=$(pd status); expect_rc 0 $? "status"
        check "panel Project Status" test "$(head -1 <<<"$out")" = "Project Status"
        check "Containers: 1 (0 running, 1 stopped)" contains "$out" "Containers: 1 (0 running, 1 stopped)"
        ;;
      logs)
        pd run "$name" echo first >/dev/null
        pd run "$name" 'exit 3'
        pd logs --json >"$work/lg.json"; expect_rc 0 $? "logs --json"
        check "two run entries of $name" test "$(json_field "$work/lg.json" '"|".join("%s:%s:%s:%s" % (e["_instance"], e["type"], e["command"], e["exit_code"]) for e in d)')" = "$name:run:echo first:0|$name:run:exit 3:3"
        pd logs "$name" --last 1 --json >"$work/l1.json"; expect_rc 0 $? "logs CONTAINER --last 1 --json"
        check "only the last entry" test "$(json_field "$work/l1.json" '"|".join(e["command"] for e in d)')" = "exit 3"
        out=$(pd logs --type session); check "--type session: No log entries found." test "$out" = "No log entries found."
        out=$(pd logs); expect_rc 0 $? "logs"
        check "table Log History" test "$(head -1 <<<"$out")" = "Log History"
        check "with the durations in ms" grep -qE "echo first +0 +[0-9]+ms" <<<"$out"
        pd logs "pdtest-cli-no-such-$suffix" >/dev/null 2>"$work/ni.err"; expect_rc 1 $? "logs of an unknown instance"
        check "says No instance directory found" grep -qx "No instance directory found for 'pdtest-cli-no-such-$suffix'." "$work/ni.err"
        ;;
      doctor)
        mkdir -p .pocketdock/instances/stale-one
        pd doctor --json >"$work/dr.json"; expect_rc 0 $? "doctor --json"
        check "healthy 1, stale [stale-one], orphaned []" test "$(json_field "$work/dr.json" '"%s %s %s" % (d["healthy"], d["stale_instance_dirs"], d["orphaned_containers"])')" = "1 ['stale-one'] []"
        out=$(pd doctor); expect_rc 0 $? "doctor"
        check "panel Doctor Report" test "$(head -1 <<<"$out")" = "Doctor Report"
        check "Stale instance dirs: stale-one" contains "$out" "Stale instance dirs: stale-one"
        ;;
    esac
    ;;
  shell)
    create; expect_rc 0 $? "create"
    out=$(printf 'echo hi\ncd /tmp\npwd\necho "$0" >&2\n' | pd shell "$name" 2>"$work/sh.err"); expect_rc 0 $? "shell with a scripted command"
    check "prints hi and keeps state between lines" test "$out" = "$(printf 'hi\n/tmp')"
    check "runs bash where the image has it" grep -q bash "$work/sh.err"
    printf 'echo before\nexit 7\necho never\n' | pd shell "$name" >"$work/sh7.out"; expect_rc 7 $? "shell exits with the shell's code"
    check "stops at exit" test "$(cat "$work/sh7.out")" = before
    # 200 MB of output through a pipe: written as it arrives, no copy kept (max RSS in KiB).
    bytes=$(echo 'head -c 200000000 /dev/zero' | /usr/bin/time -f %M -o "$work/rss" "$bin" shell "$name" | wc -c)
    check "a scripted shell passes 200 MB of output through" test "$bytes" -eq 200000000
    check "in bounded memory (max RSS $(cat "$work/rss") KiB < 64 MiB)" test "$(cat "$work/rss")" -lt 65536
    if command -v script >/dev/null; then  # a pseudo-terminal: the interactive form (engine CLI exec -it)
      (sleep 2; printf 'echo "tty:$0"; exit 3\n') | timeout 60 script -qec "'$bin' shell '$name'" /dev/null >"$work/tty.out" 2>&1
      expect_rc 3 "${PIPESTATUS[1]}" "interactive shell on a terminal"
      check "runs bash on the terminal" grep -q "tty:/bin/bash" "$work/tty.out"
    fi
    api POST "/containers/$name/stop?t=0" >/dev/null
    echo true | pd shell "$name" >/dev/null 2>&1; expect_rc 1 $? "shell on a stopped container fails"
    check "and does not start it" test "$(running "$name")" = false
    ;;
  detach)
    create; expect_rc 0 $? "create"
    out=$(pd run "$name" --detach -- 'echo "it'"'"'s started"; sleep 2; echo done >&2; exit 4'); expect_rc 0 $? "run --detach"
    check "prints Process started" grep -qE "^Process started \(detach ID: [0-9a-f]+, PID [0-9]+\)$" <<<"$out"
    log=$(grep -oE '/tmp/\.pocketdock/detach-[0-9a-f]+\.log' <<<"$out" | head -1)
    check "names the log file" test -n "$log"
    check "says how to read it back" contains "$out" "pocketdock run $name cat $log"
    check "the CLI returned while the command runs" test "$(pd run "$name" "cat ${log%.log}.exit 2>/dev/null || echo running")" = running
    for _ in $(seq 1 30); do pd run "$name" "test -e ${log%.log}.exit" && break; sleep 0.5; done
    check "its output can be read back after the CLI exited" test "$(pd run "$name" cat "$log")" = "$(printf "it's started\ndone")"
    check "and its exit code" test "$(pd run "$name" cat "${log%.log}.exit")" = 4
    ;;
  stream)
    create; expect_rc 0 $? "create"
    pd run "$name" --stream 'echo a; sleep 0.2; echo b >&2; echo c; exit 5' >"$work/so" 2>"$work/se"; expect_rc 5 $? "run --stream passes the exit code through"
    check "stdout in order" test "$(cat "$work/so")" = "$(printf 'a\nc')"
    check "stderr to stderr" test "$(cat "$work/se")" = b
    pd run "$name" --stream --detach 'echo s' >"$work/sd"; expect_rc 0 $? "--stream wins over --detach"
    check "and streams" test "$(cat "$work/sd")" = s
    ;;
  *)
    echo "unknown case $case"; exit 2 ;;
esac
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks passed"
