/*
 * The names of the node-to-hub protocol's messages and enumerations,
 * for logs and hamctl, and the parsing of the mode and type names
 * hamctl takes; see hubproto.h.  Apart from the codec (hubproto.c),
 * which never needs them.
 */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>

#include "proto/hubproto.h"

static const char *
name_of(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n || names[v] == NULL)
		return "unknown";
	return names[v];
}


static const char *const msg_names[] = {
	[HUB_MSG_LOGIN] = "login",
	[HUB_MSG_REQUEST] = "request",
	[HUB_MSG_PING] = "ping",
	[HUB_MSG_PONG] = "pong",
	[HUB_MSG_LOGOUT] = "logout",
	[HUB_MSG_CANDIDATES] = "candidates",
	[HUB_MSG_LOGIN_OK] = "login-ok",
	[HUB_MSG_LOGIN_REFUSED] = "login-refused",
	[HUB_MSG_PEER_UP] = "peer-up",
	[HUB_MSG_PEER_DOWN] = "peer-down",
	[HUB_MSG_PEER_CHECK] = "peer-check",
	[HUB_MSG_RESPONSE] = "response",
	[HUB_MSG_NET_ENTRY] = "net-entry",
	[HUB_MSG_MEMBER_ENTRY] = "member-entry",
	[HUB_MSG_RELAY_INFO] = "relay-info",
	[HUB_MSG_PEER_PATHS] = "peer-paths",
	[HUB_MSG_PEER_ROUTES] = "peer-routes",
	[HUB_MSG_ROUTE_ENTRY] = "route-entry",
	[HUB_MSG_PEER_NAMES] = "peer-names",
	[HUB_MSG_PEER_RELAY] = "peer-relay",
};

static const char *const op_names[] = {
	[HUB_OP_NETWORKS] = "networks",
	[HUB_OP_MEMBERS] = "members",
	[HUB_OP_CREATE] = "create",
	[HUB_OP_DELETE] = "delete",
	[HUB_OP_JOIN] = "join",
	[HUB_OP_LEAVE] = "leave",
	[HUB_OP_APPROVE] = "approve",
	[HUB_OP_REJECT] = "reject",
	[HUB_OP_EVICT] = "evict",
	[HUB_OP_INVITE] = "invite",
	[HUB_OP_SET_PASSWORD] = "set-password",
	[HUB_OP_SET_MODE] = "set-mode",
	[HUB_OP_SET_LIMIT] = "set-limit",
	[HUB_OP_PROMOTE] = "promote",
	[HUB_OP_DEMOTE] = "demote",
	[HUB_OP_TRANSFER] = "transfer",
	[HUB_OP_NICKNAME] = "nickname",
	[HUB_OP_SET_BROADCAST] = "set-broadcast",
	[HUB_OP_ADVERTISE] = "advertise",
	[HUB_OP_WITHDRAW] = "withdraw",
	[HUB_OP_ROUTES] = "routes",
	[HUB_OP_ROUTE_APPROVE] = "route-approve",
	[HUB_OP_ROUTE_REVOKE] = "route-revoke",
	[HUB_OP_NAMES] = "names",
};

static const char *const mode_names[] = {
	[HUB_MODE_AUTO] = "auto",
	[HUB_MODE_APPROVAL] = "approval",
	[HUB_MODE_CLOSED] = "closed",
};

static const char *const type_names[] = {
	[HUB_TYPE_MESH] = "mesh",
	[HUB_TYPE_HUBSPOKE] = "hub-and-spoke",
	[HUB_TYPE_GATEWAY] = "gateway",
};

static const char *const role_names[] = {
	[HUB_ROLE_MEMBER] = "member",
	[HUB_ROLE_ADMIN] = "admin",
	[HUB_ROLE_OWNER] = "owner",
};

static const char *const mstate_names[] = {
	[HUB_MSTATE_ACTIVE] = "active",
	[HUB_MSTATE_PENDING] = "pending",
	[HUB_MSTATE_BANNED] = "banned",
};

/* A new enum value without a name must not compile. */
_Static_assert(nitems(op_names) == HUB_OP_MAX, "op_names");
_Static_assert(nitems(mode_names) == HUB_MODE_MAX, "mode_names");
_Static_assert(nitems(type_names) == HUB_TYPE_MAX, "type_names");
_Static_assert(nitems(role_names) == HUB_ROLE_MAX, "role_names");
_Static_assert(nitems(mstate_names) == HUB_MSTATE_MAX, "mstate_names");

const char *
hub_msg_name(int type)
{
	return name_of(msg_names, nitems(msg_names), type);
}

const char *
hub_op_name(int op)
{
	return name_of(op_names, nitems(op_names), op);
}

const char *
hub_mode_name(int mode)
{
	return name_of(mode_names, nitems(mode_names), mode);
}

const char *
hub_type_name(int type)
{
	return name_of(type_names, nitems(type_names), type);
}

const char *
hub_role_name(int role)
{
	return name_of(role_names, nitems(role_names), role);
}

const char *
hub_mstate_name(int st)
{
	return name_of(mstate_names, nitems(mstate_names), st);
}

static int
parse_name(const char *const *names, size_t n, const char *s)
{
	size_t	i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

int
hub_mode_parse(const char *s)
{
	return parse_name(mode_names, nitems(mode_names), s);
}

int
hub_type_parse(const char *s)
{
	return parse_name(type_names, nitems(type_names), s);
}
