# Shared by scripts/up, scripts/down, scripts/test, scripts/bench. Source it.
# A "stack" is a private MariaDB, the FastCGI programs and nginx, all under
# one state directory ($VAR), each started with a pid file so that stopping
# it stops exactly what was started.

TOP=$(cd "$(dirname "$0")/.." && pwd)
MODULES="auth audit patients intake documents idv appointments consult prescriptions bridge pharmacy"
# FastCGI processes per module (libfcgi serves one connection per process).
procs_for() {
	case "$1" in
	auth) echo "${CLINIC_AUTH_PROCS:-8}" ;;
	*) echo "${CLINIC_PROCS:-2}" ;;
	esac
}

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

pid_alive() {
	[ -f "$1" ] || return 1
	for p in $(cat "$1"); do
		kill -0 "$p" 2>/dev/null && return 0
	done
	return 1
}

# build DIR CONFIGURE-ARGS...: bootstrap, configure (once per argument set), make.
build() {
	dir=$1; shift
	cd "$TOP"
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
	mkdir -p "$dir"
	want="$*"
	if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configured" 2>/dev/null)" != "$want" ] ||
	    [ configure -nt "$dir/Makefile" ]; then
		(cd "$dir" && "$TOP/configure" -q "$@") || die "configure failed"
		echo "$want" > "$dir/.configured"
	fi
	make -C "$dir" -j"$(nproc)" -s >/dev/null || make -C "$dir" || die "build failed"
}

npm_install() {
	cd "$TOP"
	if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
	fi
	sh "$TOP/scripts/vendor" || die "copying front-end packages failed"
}

# stack_write_conf VAR BUILD PORT
stack_write_conf() {
	var=$1; bld=$2; port=$3
	mkdir -p "$var/run" "$var/log" "$var/nginx" "$var/db"
	if [ ! -f "$var/db-password" ]; then
		head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$var/db-password"
		chmod 600 "$var/db-password"
	fi
	for k in secret-key document-key idv-api-token idv-webhook-token notify-email-token \
	    notify-sms-token; do
		if [ ! -f "$var/$k" ]; then
			head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$var/$k"
			chmod 600 "$var/$k"
		fi
	done
	# Standard Webhooks secrets (whsec_ + base64 of 32 random bytes): the
	# clinic's messages to the pharmacy, the pharmacy's to the clinic, the
	# courier's tracking webhooks to the pharmacy; and the courier's API key.
	for k in bridge-c2p-secret bridge-p2c-secret courier-webhook-secret; do
		if [ ! -f "$var/$k" ]; then
			printf 'whsec_%s' "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" > "$var/$k"
			chmod 600 "$var/$k"
		fi
	done
	if [ ! -f "$var/courier-api-key" ]; then
		head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$var/courier-api-key"
		chmod 600 "$var/courier-api-key"
	fi
	mkdir -p "$var/uploads"
	chmod 700 "$var/uploads"
	cat > "$var/clinic.conf" <<CONF
# Written by scripts/up for the stack in $var
db_socket = $var/run/mysqld.sock
db_name = clinic
db_user = clinic_app
db_password = $(cat "$var/db-password")
secret_key = $(cat "$var/secret-key")
document_key = $(cat "$var/document-key")
upload_dir = $var/uploads
cookie_mode = insecure-dev
password_list = $TOP/data/common-passwords.txt
sql_dir = $TOP/sql
log_file = $var/log/modules.log
# identity provider: the local stand-in (tools/idv-standin) on port+7
idv_base_url = http://127.0.0.1:$((port + 7))/v3.6
idv_api_token = $(cat "$var/idv-api-token")
idv_webhook_token = $(cat "$var/idv-webhook-token")
idv_workflow_id = standin-workflow
# email (SendGrid v3 shape) and SMS (Twilio shape): the local stand-in
# (tools/notify-standin) on port+8; GET http://127.0.0.1:$((port + 8))/_messages shows what was sent
portal_url = http://127.0.0.1:$port
notify_email_url = http://127.0.0.1:$((port + 8))
notify_email_token = $(cat "$var/notify-email-token")
notify_email_from = appointments@clinic.example
notify_sms_url = http://127.0.0.1:$((port + 8))
notify_sms_account = ACstandin
notify_sms_token = $(cat "$var/notify-sms-token")
notify_sms_from = Clinic
# video consultations: coturn on port+9 (stack_turn_start)
turn_secret = $(turn_secret "$var")
turn_urls = turn:127.0.0.1:$((port + 9))?transport=udp,turn:127.0.0.1:$((port + 9))?transport=tcp
# signalling: nginx's internal nchan publisher (clinic-site.conf)
signal_publish_socket = $var/run/signal-publish.sock
# The demo pharmacy (modules/pharmacy), a separate party reached over HTTP
# through the same nginx; the clinic knows it as partner demo-pharmacy
# (\`clinic partner-set\`, stack_partner_set). The courier: the local
# stand-in (tools/courier-standin) on port+10.
pharmacy_name = Harbour Pharmacy (demo)
pharmacy_clinic_url = http://127.0.0.1:$port
pharmacy_events_url = http://127.0.0.1:$port/api/v1/bridge/events/demo-pharmacy
pharmacy_clinic_secret_in = $(cat "$var/bridge-c2p-secret")
pharmacy_clinic_secret_out = $(cat "$var/bridge-p2c-secret")
courier_url = http://127.0.0.1:$((port + 10))
courier_api_key = $(cat "$var/courier-api-key")
courier_webhook_secret = $(cat "$var/courier-webhook-secret")
${CLINIC_EXTRA_CONF:-}
CONF
	chmod 600 "$var/clinic.conf"
}

mysql_root() {
	mariadb --no-defaults --socket="$VAR/run/mysqld.sock" -uroot "$@"
}

stack_db_start() {
	if pid_alive "$VAR/run/mysqld.pid"; then
		return 0
	fi
	if [ ! -d "$VAR/db/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$VAR/db" --user="$(id -un)" \
		    --auth-root-authentication-method=socket --skip-test-db \
		    >"$VAR/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed (see $VAR/log/mariadb-install.log)"
	fi
	mariadbd --no-defaults --datadir="$VAR/db" --socket="$VAR/run/mysqld.sock" \
	    --pid-file="$VAR/run/mysqld.pid" --log-error="$VAR/log/mariadb.log" \
	    --skip-networking --user="$(id -un)" --character-set-server=utf8mb4 \
	    --collation-server=utf8mb4_unicode_ci --innodb-buffer-pool-size=256M \
	    --innodb-flush-log-at-trx-commit=1 --max-connections=500 \
	    --thread-handling=pool-of-threads \
	    --skip-name-resolve --default-time-zone=+00:00 ${CLINIC_MARIADB_OPTS:-} >/dev/null 2>&1 &
	i=0
	until mysql_root -e 'SELECT 1' >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 120 ] && die "MariaDB did not start (see $VAR/log/mariadb.log)"
		sleep 0.5
	done
}

stack_db_setup() {
	pw=$(cat "$VAR/db-password")
	mysql_root <<SQL || die "database setup failed"
CREATE DATABASE IF NOT EXISTS clinic CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'clinic_app'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'clinic_app'@'localhost' IDENTIFIED BY '$pw';
SQL
	CLINIC_CONF="$VAR/clinic.conf" "$BUILD/modules/admin-cli/clinic" migrate \
	    --sql-dir "$TOP/sql" --db-user root >"$VAR/log/migrate.log" 2>&1 ||
		{ cat "$VAR/log/migrate.log" >&2; die "migrations failed"; }
	stack_partner_set
}

# The clinic's partner pharmacy: the demo pharmacy of this same stack, reached
# over HTTP through nginx, with this stack's two bridge secrets.
stack_partner_set() {
	CLINIC_CONF="$VAR/clinic.conf" "$BUILD/modules/admin-cli/clinic" partner-set \
	    --code demo-pharmacy --name "Harbour Pharmacy (demo)" --url "http://127.0.0.1:$PORT" \
	    --send-secret-file "$VAR/bridge-c2p-secret" \
	    --receive-secret-file "$VAR/bridge-p2c-secret" >>"$VAR/log/migrate.log" 2>&1 ||
		die "the demo pharmacy partner could not be set (see $VAR/log/migrate.log)"
}

stack_fcgi_start() {
	for m in $MODULES; do
		if pid_alive "$VAR/run/$m.pid"; then
			# Keep running processes unless the program was rebuilt since.
			[ "$BUILD/modules/$m/$m.fcgi" -nt "$VAR/run/$m.pid" ] || continue
			stop_pids "$VAR/run/$m.pid"
		fi
		rm -f "$VAR/run/$m.sock"
		CLINIC_CONF="$VAR/clinic.conf" spawn-fcgi -s "$VAR/run/$m.sock" -M 0666 \
		    -F "$(procs_for "$m")" -P "$VAR/run/$m.pid" \
		    -- "$BUILD/modules/$m/$m.fcgi" >>"$VAR/log/$m.log" 2>&1 ||
			die "could not start $m (see $VAR/log/$m.log)"
	done
}

stack_nginx_start() {
	mkdir -p "$VAR/nginx/client_body" "$VAR/nginx/fastcgi" "$VAR/nginx/proxy" \
	    "$VAR/nginx/uwsgi" "$VAR/nginx/scgi"
	user=""
	[ "$(id -u)" = 0 ] && user="user root;"
	sed -e "s|@VAR@|$VAR|g" -e "s|@USER@|$user|" "$TOP/conf/nginx.conf.in" > "$VAR/nginx/nginx.conf"
	sed -e "s|@LISTEN@|127.0.0.1:$PORT|g" -e "s|@HTDOCS@|$TOP/htdocs|g" \
	    -e "s|@RUN@|$VAR/run|g" \
	    "$TOP/conf/clinic-site.conf.in" > "$VAR/nginx/clinic-site.conf"
	# Optionally TLS too, with a self-signed certificate, as production runs:
	# __Host- Secure cookies and HSTS. CLINIC_TLS_PORT names the port.
	if [ -n "${CLINIC_TLS_PORT:-}" ]; then
		tls=$VAR/nginx/tls
		if [ ! -f "$tls/cert.pem" ]; then
			mkdir -p "$tls"
			openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
			    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			    -keyout "$tls/key.pem" -out "$tls/cert.pem" >/dev/null 2>&1 ||
				die "could not make a self-signed certificate"
		fi
		sed -i "s|^\(\tlisten 127.0.0.1:$PORT;\)|\1\n\tlisten 127.0.0.1:$CLINIC_TLS_PORT ssl;\n\tssl_certificate $tls/cert.pem;\n\tssl_certificate_key $tls/key.pem;|" \
		    "$VAR/nginx/clinic-site.conf"
	fi
	if pid_alive "$VAR/run/nginx.pid"; then
		nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -s reload 2>>"$VAR/log/nginx-error.log"
		return 0
	fi
	# a socket left by an nginx that did not exit cleanly would block the bind
	rm -f "$VAR/run/signal-publish.sock"
	nginx -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e "$VAR/log/nginx-error.log" ||
		die "nginx did not start (see $VAR/log/nginx-error.log)"
}

# The identity provider's stand-in (on PORT+7, webhooks to this stack) and
# the outbox dispatcher, each by pid file; restarted when rebuilt/changed.
stack_idv_start() {
	standin=$TOP/tools/idv-standin/standin.mjs
	if pid_alive "$VAR/run/idv-standin.pid" && [ "$standin" -nt "$VAR/run/idv-standin.pid" ]; then
		stop_pids "$VAR/run/idv-standin.pid"
	fi
	if ! pid_alive "$VAR/run/idv-standin.pid"; then
		node "$standin" --port "$((PORT + 7))" --token "$(cat "$VAR/idv-api-token")" \
		    --webhook-token "$(cat "$VAR/idv-webhook-token")" --workflow-id standin-workflow \
		    --webhook-url "http://127.0.0.1:$PORT/api/v1/idv/webhook" \
		    --return-url "http://127.0.0.1:$PORT/#/identity" >>"$VAR/log/idv-standin.log" 2>&1 &
		echo $! > "$VAR/run/idv-standin.pid"
	fi
	if pid_alive "$VAR/run/dispatch.pid" && [ "$BUILD/modules/dispatch/dispatch" -nt "$VAR/run/dispatch.pid" ]; then
		stop_pids "$VAR/run/dispatch.pid"
	fi
	if ! pid_alive "$VAR/run/dispatch.pid"; then
		CLINIC_CONF="$VAR/clinic.conf" "$BUILD/modules/dispatch/dispatch" >>"$VAR/log/dispatch.log" 2>&1 &
		echo $! > "$VAR/run/dispatch.pid"
	fi
}

# The email/SMS providers' stand-in on PORT+8, by pid file; restarted when changed.
stack_notify_start() {
	standin=$TOP/tools/notify-standin/standin.mjs
	if pid_alive "$VAR/run/notify-standin.pid" && [ "$standin" -nt "$VAR/run/notify-standin.pid" ]; then
		stop_pids "$VAR/run/notify-standin.pid"
	fi
	if ! pid_alive "$VAR/run/notify-standin.pid"; then
		node "$standin" --port "$((PORT + 8))" --email-token "$(cat "$VAR/notify-email-token")" \
		    --sms-account ACstandin --sms-token "$(cat "$VAR/notify-sms-token")" \
		    --log "$VAR/log/notify-messages.jsonl" >>"$VAR/log/notify-standin.log" 2>&1 &
		echo $! > "$VAR/run/notify-standin.pid"
	fi
}

# The courier's stand-in on PORT+10 (tracking webhooks to this stack's
# pharmacy), by pid file; restarted when changed.
stack_courier_start() {
	standin=$TOP/tools/courier-standin/standin.mjs
	[ -f "$standin" ] || return 0
	if pid_alive "$VAR/run/courier-standin.pid" && [ "$standin" -nt "$VAR/run/courier-standin.pid" ]; then
		stop_pids "$VAR/run/courier-standin.pid"
	fi
	if ! pid_alive "$VAR/run/courier-standin.pid"; then
		node "$standin" --port "$((PORT + 10))" --api-key "$(cat "$VAR/courier-api-key")" \
		    --webhook-secret "$(cat "$VAR/courier-webhook-secret")" \
		    --webhook-url "http://127.0.0.1:$PORT/api/v1/pharmacy/courier/events" \
		    ${CLINIC_COURIER_OPTS:-} >>"$VAR/log/courier-standin.log" 2>&1 &
		echo $! > "$VAR/run/courier-standin.pid"
	fi
}

# turn_secret VAR: the stack's coturn shared secret (made once, kept in VAR).
turn_secret() {
	if [ ! -f "$1/turn-secret" ]; then
		head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$1/turn-secret"
		chmod 600 "$1/turn-secret"
	fi
	cat "$1/turn-secret"
}

# coturn (conf/turnserver.conf.in) on 127.0.0.1:PORT+9, UDP and TCP, relay
# ports 20000+PORT .. +19; restarted when its configuration changed.
stack_turn_start() {
	sed -e "s|@LISTEN_IP@|127.0.0.1|g" -e "s|@PORT@|$((PORT + 9))|g" \
	    -e "s|@MIN_PORT@|$((20000 + PORT))|g" -e "s|@MAX_PORT@|$((20019 + PORT))|g" \
	    -e "s|@SECRET@|$(turn_secret "$VAR")|g" -e "s|@REALM@|clinic.local|g" \
	    -e "s|@VAR@|$VAR|g" "$TOP/conf/turnserver.conf.in" > "$VAR/turnserver.conf.new"
	chmod 600 "$VAR/turnserver.conf.new"
	if pid_alive "$VAR/run/turnserver.pid" && ! cmp -s "$VAR/turnserver.conf.new" "$VAR/turnserver.conf"; then
		stop_pids "$VAR/run/turnserver.pid"
	fi
	mv "$VAR/turnserver.conf.new" "$VAR/turnserver.conf"
	if ! pid_alive "$VAR/run/turnserver.pid"; then
		turnserver -c "$VAR/turnserver.conf" -o >>"$VAR/log/turnserver-start.log" 2>&1 ||
			die "coturn did not start (see $VAR/log/turnserver.log)"
		i=0
		until pid_alive "$VAR/run/turnserver.pid"; do
			i=$((i + 1))
			[ $i -gt 40 ] && die "coturn did not start (see $VAR/log/turnserver.log)"
			sleep 0.25
		done
	fi
}

# stack_up VAR BUILD PORT: start (or keep) everything.
stack_up() {
	VAR=$1; BUILD=$2; PORT=$3
	stack_write_conf "$VAR" "$BUILD" "$PORT"
	stack_db_start
	stack_db_setup
	stack_fcgi_start
	stack_nginx_start
	stack_notify_start
	stack_courier_start
	stack_idv_start
	stack_turn_start
	i=0
	until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/index.html"; do
		i=$((i + 1))
		[ $i -gt 40 ] && die "nginx does not answer on 127.0.0.1:$PORT"
		sleep 0.25
	done
}

# stop_pids FILE: TERM every pid in FILE, wait up to 10 s, then KILL; remove FILE.
stop_pids() {
	[ -f "$1" ] || return 0
	pids=$(cat "$1")
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null || true
	done
	rm -f "$1"
}

# stack_down VAR: stop exactly what stack_up started, by pid.
stack_down() {
	VAR=$1
	stop_pids "$VAR/run/nginx.pid"
	stop_pids "$VAR/run/dispatch.pid"
	stop_pids "$VAR/run/idv-standin.pid"
	stop_pids "$VAR/run/notify-standin.pid"
	stop_pids "$VAR/run/courier-standin.pid"
	stop_pids "$VAR/run/turnserver.pid"
	for m in $MODULES; do stop_pids "$VAR/run/$m.pid"; done
	stop_pids "$VAR/run/mysqld.pid"
	rm -f "$VAR"/run/*.sock
}
