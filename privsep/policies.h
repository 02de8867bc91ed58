/*
 * The seccomp allow-lists, one per process, parents included
 * (privsep/policy_*.c); sandbox_seccomp() loads them.
 */
#ifndef HAMD_PRIVSEP_POLICIES_H
#define HAMD_PRIVSEP_POLICIES_H

struct seccomp_policy;

extern const struct seccomp_policy	policy_control;
extern const struct seccomp_policy	policy_web;
/* hamd */
extern const struct seccomp_policy	policy_hamd_parent;
extern const struct seccomp_policy	policy_engine;
extern const struct seccomp_policy	policy_tun;
/* hamhubd */
extern const struct seccomp_policy	policy_hubd_parent;
extern const struct seccomp_policy	policy_hubd_authority;
extern const struct seccomp_policy	policy_hubd_engine;

#endif
