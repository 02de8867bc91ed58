# A hub and nodes on one bridge, every daemon with an HTTP listener on
# its bridge address, all members of one network: what metrics.sh and
# console.sh look at.  Source it after lib.sh and mktmp; then web_mesh.
#
# Hub 10.79.0.1, HTTP :9200; node N 10.79.0.1N, HTTP :9100.
WEB_NET=10.79.0
web_ns_hub() { echo "web-h-$$"; }
web_ns() { echo "web-n$1-$$"; }
web_dir() { echo "$T_TMP/n$1"; }
web_hubdir() { echo "$T_TMP/hub"; }

# web_mesh N [hub env...]: the hub and nodes 1..N, logged in and joined.
web_mesh() {
	_n=$1; shift
	bridge_add "web-sw-$$"
	netns_add "$(web_ns_hub)"
	bridge_join "$(web_ns_hub)" "$WEB_NET.1/24"
	mkdir -p "$(web_hubdir)"
	write_hub_conf "$(web_hubdir)" "listen on $WEB_NET.1 port 7777" \
	    "http-listen \"$WEB_NET.1:9200\""
	start_hub "$(web_ns_hub)" "$(web_hubdir)" "$@"
	check "hub starts" wait_for 10 hub_ready "$(web_hubdir)"
	WEB_HUBKEY=$(hubctl "$(web_hubdir)" hub key)
	_i=1
	while [ $_i -le "$_n" ]; do
		netns_add "$(web_ns $_i)"
		bridge_join "$(web_ns $_i)" "$WEB_NET.1$_i/24"
		mkdir -p "$(web_dir $_i)"
		write_conf "$(web_dir $_i)" \
		    "hub \"$WEB_NET.1:7777\" public-key \"$WEB_HUBKEY\"" \
		    "nickname \"node$_i\"" "http-listen \"$WEB_NET.1$_i:9100\""
		start_hamd "$(web_ns $_i)" "$(web_dir $_i)"
		eval "WEB_PID$_i=\$HAMD_PID"
		_i=$((_i + 1))
	done
	_i=1
	while [ $_i -le "$_n" ]; do
		check "node $_i logs in" wait_for 15 node_online "$(web_dir $_i)"
		if [ $_i = 1 ]; then
			check "node 1 creates a network" sh -c "printf \
			    'webpass123\n' | '$HAMCTL' -s \
			    '$(web_dir 1)/hamd.sock' create office"
		else
			check "node $_i joins it" sh -c "printf 'webpass123\n' |
			    '$HAMCTL' -s '$(web_dir $_i)/hamd.sock' join office"
		fi
		_i=$((_i + 1))
	done
}

# web_get NS URL [curl options...]: the body, or failure
web_get() {
	_ns=$1; _u=$2; shift 2
	ip netns exec "$_ns" curl -fsS --max-time 5 "$@" "$_u"
}
# web_code NS URL [curl options...]: the HTTP status code (000: none)
web_code() {
	_ns=$1; _u=$2; shift 2
	ip netns exec "$_ns" curl -s -o /dev/null -w '%{http_code}' \
	    --max-time 15 "$@" "$_u"
}
