/*
 * Field identifiers: the table in fields.c names them, the extractors in
 * extract_*.c switch on them. Internal to src/rules/.
 */
#ifndef PALISADE_RULES_FIELD_IDS_H
#define PALISADE_RULES_FIELD_IDS_H

#include "rules/rules_internal.h"

enum rl_field_id {
	/* proc / thread */
	P_PID = 1, P_PPID, P_VPID, P_NAME, P_EXE, P_EXEPATH, P_ARGS, P_CMDLINE, P_CWD, P_TTY,
	P_PNAME, P_PEXE, P_PEXEPATH, P_PCMDLINE, P_ANAME, P_APID, P_AEXE, P_AEXEPATH,
	P_ACMDLINE, P_DURATION, P_PPID_DURATION, P_START_TS, P_PSTART_TS, P_LOGINSHELLID,
	P_SESSIONID, P_EXE_TRUNC, T_TID, T_VTID, P_PIDNS, P_MNTNS, P_IS_CONTAINER,
	P_PVPID,
	/* user / group */
	U_UID, U_NAME, U_LOGINUID, U_LOGINNAME, U_EUID, G_GID, G_NAME,
	/* evt */
	E_TYPE, E_NUM, E_TIME, E_DATETIME, E_RAWTIME, E_DIR, E_RES, E_RAWRES, E_FAILED,
	E_HOSTNAME, E_ARGS, E_ARG, E_RAWARG, E_SOURCE, E_CATEGORY, E_TIME_S, E_ISO8601,
	E_SYSCALL_TYPE,
	/* container */
	C_ID, C_FULL_ID, C_NAME, C_IMAGE, C_IMAGE_REPO, C_IMAGE_TAG, C_IMAGE_ID,
	C_IMAGE_DIGEST, C_PRIVILEGED, C_TYPE, C_LABEL, C_LABELS,
	/* fields without a data source yet */
	X_UNAVAILABLE,
};

bool rl_x_proc(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf);
bool rl_x_user(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	       struct rl_value *out, struct rl_buf *buf);
bool rl_x_evt(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
	      struct rl_value *out, struct rl_buf *buf);
bool rl_x_container(const struct rl_eval_ctx *c, const struct rl_field_ref *r, int anc,
		    struct rl_value *out, struct rl_buf *buf);

/* Helpers shared by the extractors. */
bool rl_set_str(struct rl_value *out, const char *s);
bool rl_set_buf(struct rl_value *out, struct rl_buf *buf, size_t len);
bool rl_set_int(struct rl_value *out, int64_t v);
bool rl_set_uint(struct rl_value *out, uint64_t v);
bool rl_set_bool(struct rl_value *out, bool v);

#endif
