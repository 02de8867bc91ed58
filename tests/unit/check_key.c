/*
 * Unit tests for crypto/key.c: RFC 7748 known answers, the strict base64
 * form, and the key file checks (each refusal a test of its own).
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/key.h"
#include "tests/unit/loworder.h"

/* RFC 7748 section 6.1 */
#define ALICE_PRIV_HEX \
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
#define ALICE_PUB_HEX \
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define BOB_PRIV_HEX \
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
#define BOB_PUB_HEX \
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
#define ALICE_PRIV_B64	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define ALICE_PUB_B64	"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define BOB_PRIV_B64	"XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os="
#define BOB_PUB_B64	"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="

static void
hex2bin(uint8_t out[KEY_LEN], const char *hex)
{
	unsigned int	v;
	int		i;

	ck_assert_uint_eq(strlen(hex), 2 * KEY_LEN);
	for (i = 0; i < KEY_LEN; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* ------------------------------------------------------------------ */
/* known answers and the base64 form */

START_TEST(test_rfc7748_alice)
{
	uint8_t	priv[KEY_LEN], pub[KEY_LEN], want[KEY_LEN];

	hex2bin(priv, ALICE_PRIV_HEX);
	hex2bin(want, ALICE_PUB_HEX);
	ck_assert_int_eq(key_public(pub, priv), 0);
	ck_assert_mem_eq(pub, want, KEY_LEN);
}
END_TEST

START_TEST(test_rfc7748_bob)
{
	uint8_t	priv[KEY_LEN], pub[KEY_LEN], want[KEY_LEN];

	hex2bin(priv, BOB_PRIV_HEX);
	hex2bin(want, BOB_PUB_HEX);
	ck_assert_int_eq(key_public(pub, priv), 0);
	ck_assert_mem_eq(pub, want, KEY_LEN);
}
END_TEST

static const struct {
	const char	*hex;
	const char	*b64;
} known[] = {
	{ ALICE_PRIV_HEX, ALICE_PRIV_B64 },
	{ ALICE_PUB_HEX, ALICE_PUB_B64 },	/* has '/' */
	{ BOB_PRIV_HEX, BOB_PRIV_B64 },		/* has '+' and '/' */
	{ BOB_PUB_HEX, BOB_PUB_B64 },
	{ "00000000000000000000000000000000"
	  "00000000000000000000000000000000",
	  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" },
	{ "ffffffffffffffffffffffffffffffff"
	  "ffffffffffffffffffffffffffffffff",
	  "//////////////////////////////////////////8=" },
};

START_TEST(test_base64_known)
{
	uint8_t	bin[KEY_LEN], got[KEY_LEN];
	char	b64[KEY_B64_LEN + 1];

	hex2bin(bin, known[_i].hex);
	memset(b64, 'X', sizeof(b64));
	key_to_base64(b64, bin);
	ck_assert_str_eq(b64, known[_i].b64);
	memset(got, 0xa5, sizeof(got));
	ck_assert_int_eq(key_from_base64(got, known[_i].b64), 0);
	ck_assert_mem_eq(got, bin, KEY_LEN);
}
END_TEST

START_TEST(test_base64_roundtrip_random)
{
	uint8_t	k[KEY_LEN], back[KEY_LEN];
	char	b64[KEY_B64_LEN + 1];
	int	i;

	for (i = 0; i < 1000; i++) {
		key_generate(k);
		key_to_base64(b64, k);
		ck_assert_uint_eq(strlen(b64), KEY_B64_LEN);
		ck_assert_int_eq(key_from_base64(back, b64), 0);
		ck_assert_mem_eq(back, k, KEY_LEN);
	}
}
END_TEST

static const char *bad_b64[] = {
	"",
	/* 43 and 45 characters */
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo==",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC=",
	/* wrong padding */
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC==",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCoA",
	"=dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo",
	"dwdtCnMYpX08FsFyUbJm=d9ML4frwJkqsXf7pR25LCo=",
	/* stray bits in the last character: not the canonical spelling */
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCr=",
	/* invalid characters (URL-safe alphabet, whitespace, others) */
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC-=",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC_=",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25L Co=",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC*=",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC\xc3=",
	" dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=",
	/* trailing garbage */
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= ",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=x",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=dwdtCnMYpX08FsFyUbJmRd9ML4f"
	    "rwJkqsXf7pR25LCo=",
	/* embedded NUL: the string ends early */
	"dwdtCnMYpX08FsFyUbJmRd9ML4fr\0JkqsXf7pR25LCo=",
};

START_TEST(test_base64_reject)
{
	uint8_t	k[KEY_LEN], orig[KEY_LEN];

	memset(k, 0x5a, sizeof(k));
	memcpy(orig, k, sizeof(k));
	ck_assert_msg(key_from_base64(k, bad_b64[_i]) == -1,
	    "accepted bad key #%d \"%s\"", _i, bad_b64[_i]);
	/* a refused key leaves the output alone */
	ck_assert_mem_eq(k, orig, KEY_LEN);
}
END_TEST

START_TEST(test_base64_reject_null)
{
	uint8_t	k[KEY_LEN];

	ck_assert_int_eq(key_from_base64(k, NULL), -1);
}
END_TEST

START_TEST(test_generate)
{
	uint8_t	a[KEY_LEN], b[KEY_LEN], pub[KEY_LEN];

	key_generate(a);
	key_generate(b);
	ck_assert_mem_ne(a, b, KEY_LEN);
	/* clamped as RFC 7748 says */
	ck_assert_uint_eq(a[0] & 7, 0);
	ck_assert_uint_eq(a[31] & 0x80, 0);
	ck_assert_uint_eq(a[31] & 0x40, 0x40);
	ck_assert_int_eq(key_is_zero(a), 0);
	ck_assert_int_eq(key_public(pub, a), 0);
	ck_assert_int_eq(key_is_zero(pub), 0);
}
END_TEST

START_TEST(test_zero_key)
{
	uint8_t	zero[KEY_LEN], clamped[KEY_LEN], pub[KEY_LEN], pub2[KEY_LEN];

	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(key_is_zero(zero), 1);
	/*
	 * Clamping turns the all-zero scalar into 2^254, a valid scalar: the
	 * public key is a real point, not the low-order zero point.
	 */
	ck_assert_int_eq(key_public(pub, zero), 0);
	ck_assert_int_eq(key_is_zero(pub), 0);
	memcpy(clamped, zero, sizeof(clamped));
	clamped[31] = 0x40;
	ck_assert_int_eq(key_public(pub2, clamped), 0);
	ck_assert_mem_eq(pub, pub2, KEY_LEN);
}
END_TEST

/* Is k one of the list's encodings? */
static int
listed(const uint8_t k[KEY_LEN])
{
	uint8_t	 e[KEY_LEN];
	size_t	 i;

	for (i = 0; i < LOW_ORDER_KEYS; i++) {
		low_order_key(e, i);
		if (memcmp(e, k, KEY_LEN) == 0)
			return 1;
	}
	return 0;
}

/*
 * Each small-order encoding is low order; so is nothing else we try:
 * real public keys, and each encoding with one bit flipped, unless that
 * makes another of the list.
 */
START_TEST(test_low_order)
{
	uint8_t	 k[KEY_LEN], priv[KEY_LEN], pub[KEY_LEN];
	size_t	 i;
	int	 bit;

	for (i = 0; i < LOW_ORDER_KEYS; i++) {
		low_order_key(k, i);
		ck_assert_msg(key_is_low_order(k), "%s%s",
		    low_order_hex[i / 2], i % 2 ? ", top bit set" : "");
		for (bit = 0; bit < 256; bit++) {
			k[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			ck_assert_msg(!key_is_low_order(k) || listed(k),
			    "%s with bit %d flipped", low_order_hex[i / 2],
			    bit);
			k[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		}
	}
	for (i = 0; i < 64; i++) {
		key_generate(priv);
		ck_assert_int_eq(key_public(pub, priv), 0);
		ck_assert_int_eq(key_is_low_order(pub), 0);
	}
}
END_TEST

START_TEST(test_is_zero)
{
	uint8_t	k[KEY_LEN];
	int	i;

	for (i = 0; i < KEY_LEN; i++) {
		memset(k, 0, sizeof(k));
		k[i] = 1;
		ck_assert_int_eq(key_is_zero(k), 0);
		k[i] = 0x80;
		ck_assert_int_eq(key_is_zero(k), 0);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* key files */

/*
 * The unchecked fixture owns the base directory and removes it in the
 * runner process, so a failed test (whose checked teardown never runs)
 * still leaves nothing behind.  Each test gets a fresh subdirectory.
 */
static char	basedir[64];
static char	tmpdir[96];
static char	err[512];

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

static void
setup_base(void)
{
	strcpy(basedir, "/tmp/check_key.XXXXXX");
	if (mkdtemp(basedir) == NULL) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
}

static void
teardown_base(void)
{
	(void)nftw(basedir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	memset(err, 0, sizeof(err));
}

static void
teardown_dir(void)
{
	(void)nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *
tpath(const char *name)
{
	static char	p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

/* Create name with exactly len bytes of data and the given mode. */
static const char *
mkfile(const char *name, const void *data, size_t len, mode_t mode)
{
	const char	*p = tpath(name);
	int		 fd;

	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
	return p;
}

static void
assert_read_ok(const char *p)
{
	uint8_t	k[KEY_LEN], want[KEY_LEN];

	hex2bin(want, ALICE_PRIV_HEX);
	memset(k, 0, sizeof(k));
	ck_assert_msg(key_file_read(p, k, err, sizeof(err)) == 0,
	    "refused %s: %s", p, err);
	ck_assert_mem_eq(k, want, KEY_LEN);
}

/* Refused, with a message that contains what (if not NULL). */
static void
assert_read_fails(const char *p, const char *what)
{
	uint8_t	k[KEY_LEN], orig[KEY_LEN];

	memset(k, 0x33, sizeof(k));
	memcpy(orig, k, sizeof(k));
	err[0] = '\0';
	ck_assert_int_eq(key_file_read(p, k, err, sizeof(err)), -1);
	ck_assert_msg(err[0] != '\0', "no message for %s", p);
	if (what != NULL)
		ck_assert_msg(strstr(err, what) != NULL,
		    "message \"%s\" lacks \"%s\"", err, what);
	/* messages never carry key material */
	ck_assert_ptr_null(strstr(err, "dwdtCnMY"));
	ck_assert_mem_eq(k, orig, KEY_LEN);
}

#define KEYTXT	ALICE_PRIV_B64

START_TEST(test_read_newline)
{
	assert_read_ok(mkfile("k", KEYTXT "\n", KEY_B64_LEN + 1, 0600));
}
END_TEST

START_TEST(test_read_crlf)
{
	assert_read_ok(mkfile("k", KEYTXT "\r\n", KEY_B64_LEN + 2, 0600));
}
END_TEST

START_TEST(test_read_no_newline)
{
	assert_read_ok(mkfile("k", KEYTXT, KEY_B64_LEN, 0600));
}
END_TEST

START_TEST(test_read_mode_0400)
{
	assert_read_ok(mkfile("k", KEYTXT "\n", KEY_B64_LEN + 1, 0400));
}
END_TEST

static const mode_t bad_modes[] = {
	0640, 0604, 0660, 0644, 0666, 0606, 0610, 0601, 0620, 0602, 0700 | 07
};

START_TEST(test_read_bad_mode)
{
	char	want[64];
	mode_t	m = bad_modes[_i];

	snprintf(want, sizeof(want), "(mode %04o)", (unsigned int)m);
	assert_read_fails(mkfile("k", KEYTXT "\n", KEY_B64_LEN + 1, m), want);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_nonnull(strstr(err, tpath("k")));
}
END_TEST

START_TEST(test_read_mode_message)
{
	const char	*p;
	char		 want[PATH_MAX + 128];

	p = mkfile("x", KEYTXT "\n", KEY_B64_LEN + 1, 0644);
	snprintf(want, sizeof(want), "key file %s is readable or writable by "
	    "others (mode 0644); fix with: chmod 600 %s", p, p);
	assert_read_fails(p, NULL);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_read_symlink)
{
	char	target[PATH_MAX];

	snprintf(target, sizeof(target), "%s",
	    mkfile("real", KEYTXT "\n", KEY_B64_LEN + 1, 0600));
	ck_assert_int_eq(symlink(target, tpath("link")), 0);
	assert_read_fails(tpath("link"), "symbolic link");
}
END_TEST

START_TEST(test_read_directory)
{
	ck_assert_int_eq(mkdir(tpath("d"), 0700), 0);
	assert_read_fails(tpath("d"), "directory");
}
END_TEST

START_TEST(test_read_fifo)
{
	/* must be refused, not hang waiting for a writer */
	ck_assert_int_eq(mkfifo(tpath("f"), 0600), 0);
	assert_read_fails(tpath("f"), "FIFO");
}
END_TEST

START_TEST(test_read_missing)
{
	assert_read_fails(tpath("nonexistent"), "hamctl genkey");
}
END_TEST

START_TEST(test_read_empty)
{
	assert_read_fails(mkfile("k", "", 0, 0600), "empty");
}
END_TEST

START_TEST(test_read_too_long)
{
	char	big[4096];

	memset(big, 'A', sizeof(big));
	assert_read_fails(mkfile("k", big, 129, 0600), "too large");
	assert_read_fails(mkfile("k", big, sizeof(big), 0600), "too large");
}
END_TEST

static const char *bad_content[] = {
	"garbage\n",
	"\n",
	"not a key at all, but exactly forty-four c\n",
	KEYTXT "\n" KEYTXT "\n",			/* two keys */
	KEYTXT KEYTXT,
	KEYTXT "\n\n",
	KEYTXT " \n",
	" " KEYTXT "\n",
	KEYTXT "\r",
	KEYTXT "\n\r",
	KEYTXT "x",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo\n",	/* 43 */
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC-=\n",
	"dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=\n",
	"# comment\n" KEYTXT "\n",
};

START_TEST(test_read_bad_content)
{
	assert_read_fails(mkfile("k", bad_content[_i],
	    strlen(bad_content[_i]), 0600), "base64 key");
}
END_TEST

START_TEST(test_read_embedded_nul)
{
	char	buf[KEY_B64_LEN + 1];

	memcpy(buf, KEYTXT "\n", sizeof(buf));
	buf[10] = '\0';
	assert_read_fails(mkfile("k", buf, sizeof(buf), 0600), "base64 key");
	memcpy(buf, KEYTXT "\n", sizeof(buf));
	buf[KEY_B64_LEN] = '\0';		/* NUL in place of the newline */
	assert_read_fails(mkfile("k", buf, sizeof(buf), 0600), "base64 key");
}
END_TEST

START_TEST(test_read_wrong_owner)
{
	const char	*p;

	if (geteuid() != 0)
		return;		/* only root can give a file away */
	p = mkfile("k", KEYTXT "\n", KEY_B64_LEN + 1, 0600);
	ck_assert_int_eq(chown(p, 12345, (gid_t)-1), 0);
	assert_read_fails(p, "owned by uid 12345");
	ck_assert_ptr_nonnull(strstr(err, "chown"));
}
END_TEST

START_TEST(test_read_null_err)
{
	uint8_t	k[KEY_LEN];

	ck_assert_int_eq(key_file_read(tpath("nonexistent"), k, NULL, 0), -1);
	ck_assert_int_eq(key_file_read(
	    mkfile("k", "bad", 3, 0600), k, err, 1), -1);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_write_read)
{
	uint8_t		 k[KEY_LEN], back[KEY_LEN];
	char		 txt[128], b64[KEY_B64_LEN + 1];
	struct stat	 st;
	const char	*p = tpath("new.key");
	int		 fd;

	key_generate(k);
	ck_assert_msg(key_file_write(p, k, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, KEY_B64_LEN + 1);
	fd = open(p, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(read(fd, txt, sizeof(txt)), KEY_B64_LEN + 1);
	close(fd);
	key_to_base64(b64, k);
	ck_assert_mem_eq(txt, b64, KEY_B64_LEN);
	ck_assert_int_eq(txt[KEY_B64_LEN], '\n');
	ck_assert_msg(key_file_read(p, back, err, sizeof(err)) == 0, "%s", err);
	ck_assert_mem_eq(back, k, KEY_LEN);
}
END_TEST

START_TEST(test_write_umask0)
{
	uint8_t		 k[KEY_LEN];
	struct stat	 st;
	mode_t		 old;

	key_generate(k);
	old = umask(0);
	ck_assert_int_eq(key_file_write(tpath("k"), k, err, sizeof(err)), 0);
	umask(old);
	ck_assert_int_eq(stat(tpath("k"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(test_write_umask077_relative)
{
	uint8_t		 k[KEY_LEN], back[KEY_LEN];
	char		 cwd[PATH_MAX];
	struct stat	 st;
	mode_t		 old;

	/* a bare file name: the directory sync must cope with no slash */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	key_generate(k);
	old = umask(0777);
	ck_assert_int_eq(key_file_write("rel.key", k, err, sizeof(err)), 0);
	umask(old);
	ck_assert_int_eq(stat("rel.key", &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(key_file_read("rel.key", back, err, sizeof(err)), 0);
	ck_assert_mem_eq(back, k, KEY_LEN);
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

START_TEST(test_write_no_overwrite)
{
	uint8_t		 k[KEY_LEN];
	char		 buf[64];
	const char	*p;
	int		 fd;

	p = mkfile("k", "precious\n", 9, 0644);
	key_generate(k);
	ck_assert_int_eq(key_file_write(p, k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "already exists"));
	fd = open(p, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 9);
	close(fd);
	ck_assert_mem_eq(buf, "precious\n", 9);
}
END_TEST

START_TEST(test_write_no_symlink)
{
	uint8_t		k[KEY_LEN];
	struct stat	st;

	char		target[PATH_MAX];

	/* a dangling symlink must not be followed to create its target */
	snprintf(target, sizeof(target), "%s", tpath("target"));
	ck_assert_int_eq(symlink(target, tpath("link")), 0);
	key_generate(k);
	ck_assert_int_eq(key_file_write(tpath("link"), k, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(lstat(tpath("target"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_write_bad_dir)
{
	uint8_t	k[KEY_LEN];

	key_generate(k);
	ck_assert_int_eq(key_file_write(tpath("no/such/dir/k"), k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot create key file"));
}
END_TEST

START_TEST(test_write_error_unlinks)
{
	uint8_t		 k[KEY_LEN];
	struct rlimit	 old, small;
	struct stat	 st;
	void		(*oldsig)(int);

	/* A file size limit makes the write fail after the create. */
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 10;
	oldsig = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	key_generate(k);
	ck_assert_int_eq(key_file_write(tpath("k"), k, err, sizeof(err)), -1);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, oldsig);
	ck_assert_ptr_nonnull(strstr(err, "cannot write key file"));
	ck_assert_int_eq(lstat(tpath("k"), &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

static Suite *
key_suite(void)
{
	Suite	*s = suite_create("key");
	TCase	*tc;

	tc = tcase_create("x25519");
	tcase_add_test(tc, test_rfc7748_alice);
	tcase_add_test(tc, test_rfc7748_bob);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_zero_key);
	tcase_add_test(tc, test_is_zero);
	tcase_add_test(tc, test_low_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("base64");
	tcase_add_loop_test(tc, test_base64_known, 0,
	    nitems(known));
	tcase_add_test(tc, test_base64_roundtrip_random);
	tcase_add_loop_test(tc, test_base64_reject, 0,
	    nitems(bad_b64));
	tcase_add_test(tc, test_base64_reject_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_unchecked_fixture(tc, setup_base, teardown_base);
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_test(tc, test_read_newline);
	tcase_add_test(tc, test_read_crlf);
	tcase_add_test(tc, test_read_no_newline);
	tcase_add_test(tc, test_read_mode_0400);
	tcase_add_loop_test(tc, test_read_bad_mode, 0,
	    nitems(bad_modes));
	tcase_add_test(tc, test_read_mode_message);
	tcase_add_test(tc, test_read_symlink);
	tcase_add_test(tc, test_read_directory);
	tcase_add_test(tc, test_read_fifo);
	tcase_add_test(tc, test_read_missing);
	tcase_add_test(tc, test_read_empty);
	tcase_add_test(tc, test_read_too_long);
	tcase_add_loop_test(tc, test_read_bad_content, 0,
	    nitems(bad_content));
	tcase_add_test(tc, test_read_embedded_nul);
	tcase_add_test(tc, test_read_wrong_owner);
	tcase_add_test(tc, test_read_null_err);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_write_umask0);
	tcase_add_test(tc, test_write_umask077_relative);
	tcase_add_test(tc, test_write_no_overwrite);
	tcase_add_test(tc, test_write_no_symlink);
	tcase_add_test(tc, test_write_bad_dir);
	tcase_add_test(tc, test_write_error_unlinks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(key_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
