/*
 * The hub's read-only web console: one page rendered here, so that its
 * tables work without JavaScript (the page then reloads itself every few
 * seconds), a style sheet, and a small script that refreshes the tables
 * in place from /state.json once a second.  Everything is shipped in
 * this file: no CDN, no framework.  Every string from a node (nickname)
 * or the network (names) is escaped, for HTML here and by the script's
 * textContent there.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compat/compat.h"
#include "crypto/key.h"
#include "hub/web_console.h"
#include "hub/webstate.h"
#include "privsep/web.h"

static const char console_style[] =
":root{--bg:#f6f7f9;--card:#fff;--ink:#1d2430;--mute:#6b7385;"
"--line:#e3e6ec;--ok:#1f9d55;--off:#9aa1ad;--accent:#3559e0;"
"--warn:#c0392b}\n"
"@media (prefers-color-scheme:dark){:root{--bg:#14171c;--card:#1c2027;"
"--ink:#e6e9ef;--mute:#98a0ae;--line:#2b313b;--accent:#7b96ff}}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',"
"Roboto,'DejaVu Sans',sans-serif;background:var(--bg);color:var(--ink)}\n"
"header{display:flex;align-items:baseline;gap:1rem;flex-wrap:wrap;"
"padding:1.1rem 1.6rem;background:var(--card);"
"border-bottom:1px solid var(--line)}\n"
"header h1{margin:0;font-size:1.25rem;letter-spacing:.02em}\n"
"header .key{font:12px ui-monospace,'DejaVu Sans Mono',monospace;"
"color:var(--mute)}\n"
"main{padding:1.2rem 1.6rem;max-width:1200px}\n"
".stats{display:flex;gap:.8rem;flex-wrap:wrap;margin-bottom:1.2rem}\n"
".stat{background:var(--card);border:1px solid var(--line);"
"border-radius:10px;padding:.7rem 1rem;min-width:8.5rem}\n"
".stat b{display:block;font-size:1.5rem}\n"
".stat span{color:var(--mute);font-size:.85rem}\n"
"section{background:var(--card);border:1px solid var(--line);"
"border-radius:10px;margin-bottom:1.2rem;overflow:auto}\n"
"section h2{font-size:1rem;margin:0;padding:.75rem 1rem;"
"border-bottom:1px solid var(--line)}\n"
"section h2 small{color:var(--mute);font-weight:normal;margin-left:.5rem}\n"
"table{border-collapse:collapse;width:100%}\n"
"th,td{text-align:left;padding:.45rem 1rem;"
"border-bottom:1px solid var(--line);white-space:nowrap}\n"
"th{font-size:.78rem;text-transform:uppercase;letter-spacing:.05em;"
"color:var(--mute);font-weight:600}\n"
"tr:last-child td{border-bottom:0}\n"
"td.mono{font:13px ui-monospace,'DejaVu Sans Mono',monospace}\n"
"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
".badge{display:inline-block;padding:.05rem .55rem;border-radius:99px;"
"font-size:.8rem;font-weight:600;color:#fff}\n"
".online{background:var(--ok)}.offline{background:var(--off)}\n"
".ev-login,.ev-join{color:var(--ok)}"
".ev-logout,.ev-lost,.ev-leave{color:var(--mute)}"
".ev-refused,.ev-evict{color:var(--warn)}\n"
"footer{color:var(--mute);font-size:.8rem;padding:0 1.6rem 1.5rem}\n"
".empty{color:var(--mute);padding:.8rem 1rem}\n";

/*
 * The script rebuilds the tables from /state.json with textContent
 * only, and says in the console (for tests and the curious) when a
 * node's state changes.
 */
static const char console_script[] =
"'use strict';\n"
"(function(){\n"
"const seen=new Map();\n"
"function el(t,c,x){const e=document.createElement(t);"
"if(c)e.className=c;if(x!==undefined)e.textContent=x;return e;}\n"
"function ago(s){if(!s)return 'never';const d=Math.max(0,"
"Math.round(Date.now()/1000-s));if(d<60)return d+' s ago';"
"if(d<3600)return Math.round(d/60)+' min ago';"
"return Math.round(d/3600)+' h ago';}\n"
"function rate(b){const v=b*8;return v>=1e9?(v/1e9).toFixed(2)+"
"' Gbit/s':v>=1e6?(v/1e6).toFixed(1)+' Mbit/s':v>=1e3?(v/1e3).toFixed(1)+"
"' kbit/s':v+' bit/s';}\n"
"function up(s){const h=Math.floor(s/3600),m=Math.floor(s%3600/60);"
"return h?h+' h '+m+' min':m?m+' min':s+' s';}\n"
"function badge(on){return el('span','badge '+(on?'online':'offline'),"
"on?'online':'offline');}\n"
"function row(cells){const tr=el('tr');for(const c of cells){"
"const td=el('td',c[1]||'');if(c[0] instanceof Node)td.appendChild(c[0]);"
"else td.textContent=c[0];tr.appendChild(td);}return tr;}\n"
"function net(n){const s=el('section');s.dataset.net=n.id;"
"const h=el('h2',null,n.name);h.appendChild(el('small',null,n.type+', '+"
"n.mode+' \\u00b7 '+n.online+' of '+n.members+' online'));"
"s.appendChild(h);if(!n.nodes.length){s.appendChild(el('p','empty',"
"'no members'));return s;}const t=el('table');"
"const hr=el('tr');for(const x of ['Node','State','IPv4','IPv6',"
"'Endpoint','In','Out','Role','Last seen','Key'])"
"hr.appendChild(el('th',x==='In'||x==='Out'?'num':null,x));"
"t.appendChild(hr);for(const m of n.nodes){const tr=row([[m.nick||'-'],"
"[badge(m.online)],[m.ipv4,'mono'],[m.ipv6,'mono'],[m.endpoint||'-',"
"'mono'],[m.online?rate(m.rx_bps):'-','num'],"
"[m.online?rate(m.tx_bps):'-','num'],[m.role+(m.state!=='active'?' ('+m.state+')':'')],"
"[m.online?'now':ago(m.last_seen)],[m.key.slice(0,12)+'\\u2026','mono']]);"
"tr.dataset.key=m.key;tr.dataset.online=m.online?'1':'0';"
"t.appendChild(tr);}s.appendChild(t);return s;}\n"
"function render(st){document.getElementById('online').textContent="
"st.hub.online;document.getElementById('nodes').textContent=st.hub.nodes;"
"document.getElementById('networks').textContent=st.hub.networks;"
"document.getElementById('uptime').textContent=up(st.hub.uptime);"
"const nets=document.getElementById('nets');nets.replaceChildren("
"...st.networks.map(net));if(!st.networks.length)nets.appendChild("
"el('p','empty','no networks yet'));"
"const ev=document.getElementById('events');ev.replaceChildren();"
"for(const e of st.events){ev.appendChild(row([[new Date(e.time_ms)."
"toLocaleTimeString()],[e.kind,'ev-'+e.kind],[e.nick||'-'],"
"[e.network||''],[e.detail||'']]));}"
"for(const n of st.networks)for(const m of n.nodes){const k=n.id+m.key;"
"if(seen.has(k)&&seen.get(k)!==m.online)console.log('hamhubd-console: '+"
"(m.nick||m.key)+' in '+n.name+' is now '+(m.online?'online':'offline'));"
"seen.set(k,m.online);}"
"document.getElementById('updated').textContent='live \\u00b7 updated '+"
"new Date().toLocaleTimeString();}\n"
"async function tick(){try{const r=await fetch('/state.json',"
"{cache:'no-store'});if(r.ok)render(await r.json());}catch(e){"
"document.getElementById('updated').textContent='hub unreachable';}"
"setTimeout(tick,1000);}\n"
"document.documentElement.classList.add('js');tick();\n"
"})();\n";

int
console_css(struct evbuffer *b, const char *query)
{
	evbuffer_add(b, console_style, sizeof(console_style) - 1);
	return 0;
}

int
console_js(struct evbuffer *b, const char *query)
{
	evbuffer_add(b, console_script, sizeof(console_script) - 1);
	return 0;
}

/* ---- the facts, shared by the page and the JSON -------------------- */

struct mrow {
	char	 nick[HUB_NICK_MAX];
	char	 key[KEY_B64_LEN + 1];
	char	 v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN];
	char	 endpoint[ADDR_STRLEN];
	int	 online;
	int64_t	 last_seen;
	const char *role, *state;
	struct ctl_hub_traffic t;	/* what the hub carries for it */
};

static void
member_row(const struct hubd_web_member *wm, struct mrow *r)
{
	const struct ctl_hubd_node	*row = hubweb_node(wm->key);
	const struct hub_member_info	*n = row != NULL ? &row->node : NULL;

	memset(r, 0, sizeof(*r));
	key_to_base64(r->key, wm->key);
	r->role = hub_role_name(wm->role);
	r->state = hub_mstate_name(wm->state);
	(void)strlcpy(r->v4, "-", sizeof(r->v4));
	(void)strlcpy(r->v6, "-", sizeof(r->v6));
	if (n == NULL)
		return;
	(void)strlcpy(r->nick, n->nick, sizeof(r->nick));
	(void)inet_ntop(AF_INET, n->v4, r->v4, sizeof(r->v4));
	(void)inet_ntop(AF_INET6, n->v6, r->v6, sizeof(r->v6));
	r->online = n->online;
	r->last_seen = n->last_seen;
	r->t = row->traffic;
	if (n->online && n->endpoint.af != 0)
		pkt_addr_str(&n->endpoint, r->endpoint, sizeof(r->endpoint));
}

static void
net_id_hex(const uint8_t *id, char out[2 * HUB_NETID_LEN + 1])
{
	int	 i;

	for (i = 0; i < HUB_NETID_LEN; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static const char *
nick_of_key(const char *b64)
{
	uint8_t				 key[KEY_LEN];
	const struct ctl_hubd_node	*n;

	if (key_from_base64(key, b64) == -1 || (n = hubweb_node(key)) == NULL)
		return "";
	return n->node.nick;
}

static const char *
net_name_of(const char *hexid)
{
	char		 h[2 * HUB_NETID_LEN + 1];
	uint32_t	 i;

	if (!hw.have)
		return hexid;
	for (i = 0; i < hw.cur->nnets; i++) {
		net_id_hex(hw.cur->nets[i].netid, h);
		if (strcmp(h, hexid) == 0)
			return hw.cur->nets[i].name;
	}
	return hexid;
}

/* ---- HTML ----------------------------------------------------------- */

static void
td(struct evbuffer *b, const char *cls, const char *text)
{
	evbuffer_add_printf(b, "<td%s%s%s>", cls != NULL ? " class=\"" : "",
	    cls != NULL ? cls : "", cls != NULL ? "\"" : "");
	html_text(b, text[0] != '\0' ? text : "-");
	evbuffer_add(b, "</td>", 5);
}

/* A rate, its total on hover; "-" for a node offline. */
static void
rate_td(struct evbuffer *b, const struct mrow *r, uint64_t rate,
    uint64_t total)
{
	char	 t[32];

	if (!r->online) {
		td(b, "num", "");
		return;
	}
	format_rate(t, sizeof(t), rate);
	evbuffer_add_printf(b, "<td class=\"num\" title=\"%llu bytes in all\">",
	    (unsigned long long)total);
	html_text(b, t);
	evbuffer_add(b, "</td>", 5);
}

static void
page_net(struct evbuffer *b, const struct hub_net_info *ni)
{
	struct mrow	 r;
	char		 id[2 * HUB_NETID_LEN + 1], seen[32];
	uint32_t	 i, n = 0;

	net_id_hex(ni->netid, id);
	evbuffer_add_printf(b, "<section data-net=\"%s\"><h2>", id);
	html_text(b, ni->name);
	evbuffer_add_printf(b, "<small>%s, %s &middot; %u of %u online"
	    "</small></h2>\n", hub_type_name(ni->type),
	    hub_mode_name(ni->mode), ni->online, ni->members);
	for (i = 0; i < hw.cur->nmembers; i++) {
		const struct hubd_web_member *wm = &hw.cur->members[i];

		if (memcmp(wm->netid, ni->netid, HUB_NETID_LEN) != 0)
			continue;
		if (n++ == 0)
			evbuffer_add_printf(b, "<table><tr><th>Node</th>"
			    "<th>State</th><th>IPv4</th><th>IPv6</th>"
			    "<th>Endpoint</th><th class=\"num\">In</th>"
			    "<th class=\"num\">Out</th>"
			    "<th>Role</th><th>Last seen</th><th>Key</th></tr>\n");
		member_row(wm, &r);
		evbuffer_add_printf(b, "<tr data-key=\"%s\" data-online=\"%d\">",
		    r.key, r.online);
		td(b, NULL, r.nick);
		evbuffer_add_printf(b, "<td><span class=\"badge %s\">%s</span>"
		    "</td>", r.online ? "online" : "offline",
		    r.online ? "online" : "offline");
		td(b, "mono", r.v4);
		td(b, "mono", r.v6);
		td(b, "mono", r.endpoint);
		rate_td(b, &r, r.t.rate.rx_bytes, r.t.rx_bytes);
		rate_td(b, &r, r.t.rate.tx_bytes, r.t.tx_bytes);
		evbuffer_add_printf(b, "<td>%s%s%s%s</td>", r.role,
		    wm->state != HUB_MSTATE_ACTIVE ? " (" : "",
		    wm->state != HUB_MSTATE_ACTIVE ? r.state : "",
		    wm->state != HUB_MSTATE_ACTIVE ? ")" : "");
		if (r.online)
			(void)strlcpy(seen, "now", sizeof(seen));
		else if (r.last_seen == 0)
			(void)strlcpy(seen, "never", sizeof(seen));
		else
			(void)strftime(seen, sizeof(seen), "%Y-%m-%d %H:%M",
			    gmtime(&(time_t){ (time_t)r.last_seen }));
		td(b, NULL, seen);
		evbuffer_add_printf(b, "<td class=\"mono\">%.12s&hellip;</td>"
		    "</tr>\n", r.key);
	}
	if (n == 0)
		evbuffer_add_printf(b, "<p class=\"empty\">no members</p>");
	else
		evbuffer_add_printf(b, "</table>");
	evbuffer_add_printf(b, "</section>\n");
}

int
console_page(struct evbuffer *b, const char *query)
{
	const struct ctl_hubd_status	*s = &hw.cur->status;
	const struct ctl_event		*e;
	char				 t[32];
	uint32_t			 i, n;

	evbuffer_add_printf(b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">"
	    "<title>hamhubd console</title>"
	    "<link rel=\"stylesheet\" href=\"/console.css\">"
	    "<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>"
	    "<script src=\"/console.js\" defer></script></head><body>\n"
	    "<header><h1>hamhubd</h1><span class=\"key\">hub key ");
	html_text(b, s->pubkey);
	evbuffer_add_printf(b, "</span><span class=\"key\" id=\"updated\">"
	    "read-only</span></header>\n<main><div class=\"stats\">"
	    "<div class=\"stat\"><b id=\"online\">%u</b><span>online</span>"
	    "</div><div class=\"stat\"><b id=\"nodes\">%u</b><span>nodes"
	    "</span></div><div class=\"stat\"><b id=\"networks\">%u</b>"
	    "<span>networks</span></div><div class=\"stat\"><b id=\"uptime\">"
	    "%lld s</b><span>uptime</span></div></div>\n<div id=\"nets\">",
	    s->online, s->nodes, s->networks, (long long)s->uptime);
	for (i = 0; hw.have && i < hw.cur->nnets; i++)
		page_net(b, &hw.cur->nets[i]);
	if (!hw.have || hw.cur->nnets == 0)
		evbuffer_add_printf(b, "<p class=\"empty\">no networks yet</p>");
	evbuffer_add_printf(b, "</div>\n<section><h2>Recent events</h2><table>"
	    "<tbody id=\"events\">");
	n = hw.nevents < HUBWEB_EVENTS ? hw.nevents : HUBWEB_EVENTS;
	for (i = 0; i < n; i++) {
		e = &hw.events[(hw.nevents - 1 - i) % HUBWEB_EVENTS];
		(void)strftime(t, sizeof(t), "%H:%M:%S",
		    gmtime(&(time_t){ (time_t)(e->time_ms / 1000) }));
		evbuffer_add_printf(b, "<tr><td>%s</td><td class=\"ev-%s\">%s"
		    "</td>", t, ctl_event_str((int)e->kind),
		    ctl_event_str((int)e->kind));
		td(b, NULL, nick_of_key(e->key));
		td(b, NULL, e->network[0] != '\0' ?
		    net_name_of(e->network) : "");
		td(b, NULL, e->detail);
		evbuffer_add_printf(b, "</tr>\n");
	}
	evbuffer_add_printf(b, "</tbody></table></section></main>\n"
	    "<footer>Read-only. Metrics for Prometheus at "
	    "<a href=\"/metrics\">/metrics</a>.</footer></body></html>\n");
	return 0;
}

/* ---- JSON ----------------------------------------------------------- */

static void
jstr(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			evbuffer_add_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			evbuffer_add_printf(b, "\\u%04x", c);
		else if (c == '<')
			evbuffer_add(b, "\\u003c", 6);
		else
			evbuffer_add(b, s, 1);
	}
	evbuffer_add(b, "\"", 1);
}

static void
state_net(struct evbuffer *b, const struct hub_net_info *ni)
{
	struct mrow	 r;
	char		 id[2 * HUB_NETID_LEN + 1];
	uint32_t	 i;
	int		 first = 1;

	net_id_hex(ni->netid, id);
	evbuffer_add_printf(b, "{\"id\":\"%s\",\"name\":", id);
	jstr(b, ni->name);
	evbuffer_add_printf(b, ",\"type\":\"%s\",\"mode\":\"%s\","
	    "\"members\":%u,\"online\":%u,\"nodes\":[",
	    hub_type_name(ni->type), hub_mode_name(ni->mode), ni->members,
	    ni->online);
	for (i = 0; i < hw.cur->nmembers; i++) {
		const struct hubd_web_member *wm = &hw.cur->members[i];

		if (memcmp(wm->netid, ni->netid, HUB_NETID_LEN) != 0)
			continue;
		member_row(wm, &r);
		evbuffer_add_printf(b, "%s{\"key\":\"%s\",\"nick\":",
		    first ? "" : ",", r.key);
		first = 0;
		jstr(b, r.nick);
		evbuffer_add_printf(b, ",\"ipv4\":\"%s\",\"ipv6\":\"%s\","
		    "\"online\":%s,\"endpoint\":\"%s\",\"role\":\"%s\","
		    "\"state\":\"%s\",\"last_seen\":%lld,\"rx_bps\":%llu,"
		    "\"tx_bps\":%llu,\"rx_pps\":%llu,\"tx_pps\":%llu,"
		    "\"rx_bytes\":%llu,\"tx_bytes\":%llu}", r.v4, r.v6,
		    r.online ? "true" : "false", r.endpoint, r.role, r.state,
		    (long long)r.last_seen,
		    (unsigned long long)r.t.rate.rx_bytes,
		    (unsigned long long)r.t.rate.tx_bytes,
		    (unsigned long long)r.t.rate.rx_packets,
		    (unsigned long long)r.t.rate.tx_packets,
		    (unsigned long long)r.t.rx_bytes,
		    (unsigned long long)r.t.tx_bytes);
	}
	evbuffer_add_printf(b, "]}");
}

int
console_state(struct evbuffer *b, const char *query)
{
	const struct ctl_hubd_status	*s = &hw.cur->status;
	const struct ctl_event		*e;
	uint32_t			 i, n;

	evbuffer_add_printf(b, "{\"hub\":{\"key\":\"%s\",\"uptime\":%lld,"
	    "\"nodes\":%u,\"online\":%u,\"networks\":%u,\"truncated\":%s},"
	    "\"networks\":[", hw.have ? s->pubkey : "",
	    (long long)s->uptime, s->nodes, s->online, s->networks,
	    hw.cur->end.truncated ? "true" : "false");
	for (i = 0; hw.have && i < hw.cur->nnets; i++) {
		if (i > 0)
			evbuffer_add(b, ",", 1);
		state_net(b, &hw.cur->nets[i]);
	}
	evbuffer_add_printf(b, "],\"events\":[");
	n = hw.nevents < HUBWEB_EVENTS ? hw.nevents : HUBWEB_EVENTS;
	for (i = 0; i < n; i++) {
		e = &hw.events[(hw.nevents - 1 - i) % HUBWEB_EVENTS];
		evbuffer_add_printf(b, "%s{\"time_ms\":%lld,\"kind\":\"%s\","
		    "\"key\":", i > 0 ? "," : "", (long long)e->time_ms,
		    ctl_event_str((int)e->kind));
		jstr(b, e->key);
		evbuffer_add_printf(b, ",\"nick\":");
		jstr(b, nick_of_key(e->key));
		evbuffer_add_printf(b, ",\"network\":");
		jstr(b, e->network[0] != '\0' ? net_name_of(e->network) : "");
		evbuffer_add_printf(b, ",\"detail\":");
		jstr(b, e->detail);
		evbuffer_add_printf(b, "}");
	}
	evbuffer_add_printf(b, "]}\n");
	return 0;
}
