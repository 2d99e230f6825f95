/*
 * envfile.c - the docker compose env_file parser; see envfile.h.
 *
 * A hand-written scanner over the whole file, following docs/envfile.md rule by
 * rule (the R numbers below). Statements are not bound to lines (R3.3): the
 * scanner keeps one position and one line counter, both only moving
 * forward, so a file is read once whatever its size. Values are built in
 * two buffers reused for every entry and wiped at the end.
 *
 * Errors: a syntax error (bad key, unterminated quote) stops the file,
 * since what follows cannot be trusted (lint goes on at the next line, to
 * report every bad statement); an error in a value (interpolation,
 * NUL byte) drops that key and parsing goes on, so every such problem is
 * reported at once. Messages name the file and the line where the entry
 * starts, and never quote a value.
 */
#include "envfile.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "interp.h"

struct parser {
	const char *name; /* file name, for sources and errors */
	const unsigned char *s;
	size_t n, pos;
	unsigned long line; /* line of s[pos], counting LFs from 1 */
	unsigned long entry; /* line where the current entry starts */
	const struct envset *env;
	struct envset *out;
	struct diag *d;
	struct interp_buf raw; /* a quoted value after quote processing */
	struct interp_buf val; /* the value after interpolation */
	char *key;
	size_t keycap;
	char *where; /* "NAME:LINE" */
	size_t wherecap;
	size_t total; /* bytes of all values set so far */
	int stop;     /* a fatal error: parse no further */
	envfile_entry_fn *on_entry; /* lint: every entry; go on after errors */
	void *ctx;
	unsigned flags; /* of the current entry, for entry() */
	struct interp_trace trace; /* what the current value was built from */
	struct keyscan *scan; /* envfile_scan_keys: keys only, no values */
};

/* envfile_scan_keys: the keys seen, NUL-separated in one buffer. */
struct keyscan {
	char *names;
	size_t len, cap;
	size_t *off; /* start of each key in names */
	size_t n, ocap;
	int full; /* a value needs the full parser */
};

/*
 * Unicode letters and numbers above ASCII (Go's unicode.IsLetter ||
 * unicode.IsNumber, general categories L and N), as code point ranges.
 * Generated from Python's unicodedata (Unicode 14.0); unassigned code
 * points lying between two such ranges are merged in, which keeps the
 * table short and accepts letters that later Unicode versions (Go's)
 * assign there.
 */
static const uint32_t letter_ranges[][2] = {
	{0xAA, 0xAA}, {0xB2, 0xB3}, {0xB5, 0xB5}, {0xB9, 0xBA}, {0xBC, 0xBE},
	{0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x2C1}, {0x2C6, 0x2D1},
	{0x2E0, 0x2E4}, {0x2EC, 0x2EC}, {0x2EE, 0x2EE}, {0x370, 0x374},
	{0x376, 0x37D}, {0x37F, 0x37F}, {0x386, 0x386}, {0x388, 0x3F5},
	{0x3F7, 0x481}, {0x48A, 0x559}, {0x560, 0x588}, {0x5D0, 0x5F2},
	{0x620, 0x64A}, {0x660, 0x669}, {0x66E, 0x66F}, {0x671, 0x6D3},
	{0x6D5, 0x6D5}, {0x6E5, 0x6E6}, {0x6EE, 0x6FC}, {0x6FF, 0x6FF},
	{0x710, 0x710}, {0x712, 0x72F}, {0x74D, 0x7A5}, {0x7B1, 0x7EA},
	{0x7F4, 0x7F5}, {0x7FA, 0x7FA}, {0x800, 0x815}, {0x81A, 0x81A},
	{0x824, 0x824}, {0x828, 0x828}, {0x840, 0x858}, {0x860, 0x887},
	{0x889, 0x88E}, {0x8A0, 0x8C9}, {0x904, 0x939}, {0x93D, 0x93D},
	{0x950, 0x950}, {0x958, 0x961}, {0x966, 0x96F}, {0x971, 0x980},
	{0x985, 0x9B9}, {0x9BD, 0x9BD}, {0x9CE, 0x9CE}, {0x9DC, 0x9E1},
	{0x9E6, 0x9F1}, {0x9F4, 0x9F9}, {0x9FC, 0x9FC}, {0xA05, 0xA39},
	{0xA59, 0xA6F}, {0xA72, 0xA74}, {0xA85, 0xAB9}, {0xABD, 0xABD},
	{0xAD0, 0xAE1}, {0xAE6, 0xAEF}, {0xAF9, 0xAF9}, {0xB05, 0xB39},
	{0xB3D, 0xB3D}, {0xB5C, 0xB61}, {0xB66, 0xB6F}, {0xB71, 0xB77},
	{0xB83, 0xBB9}, {0xBD0, 0xBD0}, {0xBE6, 0xBF2}, {0xC05, 0xC39},
	{0xC3D, 0xC3D}, {0xC58, 0xC61}, {0xC66, 0xC6F}, {0xC78, 0xC7E},
	{0xC80, 0xC80}, {0xC85, 0xCB9}, {0xCBD, 0xCBD}, {0xCDD, 0xCE1},
	{0xCE6, 0xCF2}, {0xD04, 0xD3A}, {0xD3D, 0xD3D}, {0xD4E, 0xD4E},
	{0xD54, 0xD56}, {0xD58, 0xD61}, {0xD66, 0xD78}, {0xD7A, 0xD7F},
	{0xD85, 0xDC6}, {0xDE6, 0xDEF}, {0xE01, 0xE30}, {0xE32, 0xE33},
	{0xE40, 0xE46}, {0xE50, 0xE59}, {0xE81, 0xEB0}, {0xEB2, 0xEB3},
	{0xEBD, 0xEC6}, {0xED0, 0xF00}, {0xF20, 0xF33}, {0xF40, 0xF6C},
	{0xF88, 0xF8C}, {0x1000, 0x102A}, {0x103F, 0x1049}, {0x1050, 0x1055},
	{0x105A, 0x105D}, {0x1061, 0x1061}, {0x1065, 0x1066},
	{0x106E, 0x1070}, {0x1075, 0x1081}, {0x108E, 0x108E},
	{0x1090, 0x1099}, {0x10A0, 0x10FA}, {0x10FC, 0x135A},
	{0x1369, 0x138F}, {0x13A0, 0x13FD}, {0x1401, 0x166C},
	{0x166F, 0x167F}, {0x1681, 0x169A}, {0x16A0, 0x16EA},
	{0x16EE, 0x1711}, {0x171F, 0x1731}, {0x1740, 0x1751},
	{0x1760, 0x1770}, {0x1780, 0x17B3}, {0x17D7, 0x17D7},
	{0x17DC, 0x17DC}, {0x17E0, 0x17F9}, {0x1810, 0x1884},
	{0x1887, 0x18A8}, {0x18AA, 0x191E}, {0x1946, 0x19DA},
	{0x1A00, 0x1A16}, {0x1A20, 0x1A54}, {0x1A80, 0x1A99},
	{0x1AA7, 0x1AA7}, {0x1B05, 0x1B33}, {0x1B45, 0x1B59},
	{0x1B83, 0x1BA0}, {0x1BAE, 0x1BE5}, {0x1C00, 0x1C23},
	{0x1C40, 0x1C7D}, {0x1C80, 0x1CBF}, {0x1CE9, 0x1CEC},
	{0x1CEE, 0x1CF3}, {0x1CF5, 0x1CF6}, {0x1CFA, 0x1DBF},
	{0x1E00, 0x1FBC}, {0x1FBE, 0x1FBE}, {0x1FC2, 0x1FCC},
	{0x1FD0, 0x1FDB}, {0x1FE0, 0x1FEC}, {0x1FF2, 0x1FFC},
	{0x2070, 0x2079}, {0x207F, 0x2089}, {0x2090, 0x209C},
	{0x2102, 0x2102}, {0x2107, 0x2107}, {0x210A, 0x2113},
	{0x2115, 0x2115}, {0x2119, 0x211D}, {0x2124, 0x2124},
	{0x2126, 0x2126}, {0x2128, 0x2128}, {0x212A, 0x212D},
	{0x212F, 0x2139}, {0x213C, 0x213F}, {0x2145, 0x2149},
	{0x214E, 0x214E}, {0x2150, 0x2189}, {0x2460, 0x249B},
	{0x24EA, 0x24FF}, {0x2776, 0x2793}, {0x2C00, 0x2CE4},
	{0x2CEB, 0x2CEE}, {0x2CF2, 0x2CF3}, {0x2CFD, 0x2CFD},
	{0x2D00, 0x2D6F}, {0x2D80, 0x2DDE}, {0x2E2F, 0x2E2F},
	{0x3005, 0x3007}, {0x3021, 0x3029}, {0x3031, 0x3035},
	{0x3038, 0x303C}, {0x3041, 0x3096}, {0x309D, 0x309F},
	{0x30A1, 0x30FA}, {0x30FC, 0x318E}, {0x3192, 0x3195},
	{0x31A0, 0x31BF}, {0x31F0, 0x31FF}, {0x3220, 0x3229},
	{0x3248, 0x324F}, {0x3251, 0x325F}, {0x3280, 0x3289},
	{0x32B1, 0x32BF}, {0x3400, 0x4DBF}, {0x4E00, 0xA48C},
	{0xA4D0, 0xA4FD}, {0xA500, 0xA60C}, {0xA610, 0xA66E},
	{0xA67F, 0xA69D}, {0xA6A0, 0xA6EF}, {0xA717, 0xA71F},
	{0xA722, 0xA788}, {0xA78B, 0xA801}, {0xA803, 0xA805},
	{0xA807, 0xA80A}, {0xA80C, 0xA822}, {0xA830, 0xA835},
	{0xA840, 0xA873}, {0xA882, 0xA8B3}, {0xA8D0, 0xA8D9},
	{0xA8F2, 0xA8F7}, {0xA8FB, 0xA8FB}, {0xA8FD, 0xA8FE},
	{0xA900, 0xA925}, {0xA930, 0xA946}, {0xA960, 0xA97C},
	{0xA984, 0xA9B2}, {0xA9CF, 0xA9D9}, {0xA9E0, 0xA9E4},
	{0xA9E6, 0xAA28}, {0xAA40, 0xAA42}, {0xAA44, 0xAA4B},
	{0xAA50, 0xAA59}, {0xAA60, 0xAA76}, {0xAA7A, 0xAA7A},
	{0xAA7E, 0xAAAF}, {0xAAB1, 0xAAB1}, {0xAAB5, 0xAAB6},
	{0xAAB9, 0xAABD}, {0xAAC0, 0xAAC0}, {0xAAC2, 0xAADD},
	{0xAAE0, 0xAAEA}, {0xAAF2, 0xAAF4}, {0xAB01, 0xAB5A},
	{0xAB5C, 0xAB69}, {0xAB70, 0xABE2}, {0xABF0, 0xD7FB},
	{0xF900, 0xFB1D}, {0xFB1F, 0xFB28}, {0xFB2A, 0xFBB1},
	{0xFBD3, 0xFD3D}, {0xFD50, 0xFDC7}, {0xFDF0, 0xFDFB},
	{0xFE70, 0xFEFC}, {0xFF10, 0xFF19}, {0xFF21, 0xFF3A},
	{0xFF41, 0xFF5A}, {0xFF66, 0xFFDC}, {0x10000, 0x100FA},
	{0x10107, 0x10133}, {0x10140, 0x10178}, {0x1018A, 0x1018B},
	{0x10280, 0x102D0}, {0x102E1, 0x10375}, {0x10380, 0x1039D},
	{0x103A0, 0x103CF}, {0x103D1, 0x10563}, {0x10570, 0x10855},
	{0x10858, 0x10876}, {0x10879, 0x1091B}, {0x10920, 0x10939},
	{0x10980, 0x10A00}, {0x10A10, 0x10A35}, {0x10A40, 0x10A48},
	{0x10A60, 0x10A7E}, {0x10A80, 0x10AC7}, {0x10AC9, 0x10AE4},
	{0x10AEB, 0x10AEF}, {0x10B00, 0x10B35}, {0x10B40, 0x10B91},
	{0x10BA9, 0x10D23}, {0x10D30, 0x10EA9}, {0x10EB0, 0x10F45},
	{0x10F51, 0x10F54}, {0x10F70, 0x10F81}, {0x10FB0, 0x10FF6},
	{0x11003, 0x11037}, {0x11052, 0x1106F}, {0x11071, 0x11072},
	{0x11075, 0x11075}, {0x11083, 0x110AF}, {0x110D0, 0x110F9},
	{0x11103, 0x11126}, {0x11136, 0x1113F}, {0x11144, 0x11144},
	{0x11147, 0x11172}, {0x11176, 0x11176}, {0x11183, 0x111B2},
	{0x111C1, 0x111C4}, {0x111D0, 0x111DA}, {0x111DC, 0x111DC},
	{0x111E1, 0x1122B}, {0x11280, 0x112A8}, {0x112B0, 0x112DE},
	{0x112F0, 0x112F9}, {0x11305, 0x11339}, {0x1133D, 0x1133D},
	{0x11350, 0x11350}, {0x1135D, 0x11361}, {0x11400, 0x11434},
	{0x11447, 0x1144A}, {0x11450, 0x11459}, {0x1145F, 0x114AF},
	{0x114C4, 0x114C5}, {0x114C7, 0x115AE}, {0x115D8, 0x115DB},
	{0x11600, 0x1162F}, {0x11644, 0x11659}, {0x11680, 0x116AA},
	{0x116B8, 0x116B8}, {0x116C0, 0x1171A}, {0x11730, 0x1173B},
	{0x11740, 0x1182B}, {0x118A0, 0x1192F}, {0x1193F, 0x1193F},
	{0x11941, 0x11941}, {0x11950, 0x119D0}, {0x119E1, 0x119E1},
	{0x119E3, 0x119E3}, {0x11A00, 0x11A00}, {0x11A0B, 0x11A32},
	{0x11A3A, 0x11A3A}, {0x11A50, 0x11A50}, {0x11A5C, 0x11A89},
	{0x11A9D, 0x11A9D}, {0x11AB0, 0x11C2E}, {0x11C40, 0x11C40},
	{0x11C50, 0x11C6C}, {0x11C72, 0x11C8F}, {0x11D00, 0x11D30},
	{0x11D46, 0x11D46}, {0x11D50, 0x11D89}, {0x11D98, 0x11EF2},
	{0x11FB0, 0x11FD4}, {0x12000, 0x1246E}, {0x12480, 0x12FF0},
	{0x13000, 0x1342E}, {0x14400, 0x16A69}, {0x16A70, 0x16AED},
	{0x16B00, 0x16B2F}, {0x16B40, 0x16B43}, {0x16B50, 0x16E96},
	{0x16F00, 0x16F4A}, {0x16F50, 0x16F50}, {0x16F93, 0x16FE1},
	{0x16FE3, 0x16FE3}, {0x17000, 0x1BC99}, {0x1D2E0, 0x1D2F3},
	{0x1D360, 0x1D6C0}, {0x1D6C2, 0x1D6DA}, {0x1D6DC, 0x1D6FA},
	{0x1D6FC, 0x1D714}, {0x1D716, 0x1D734}, {0x1D736, 0x1D74E},
	{0x1D750, 0x1D76E}, {0x1D770, 0x1D788}, {0x1D78A, 0x1D7A8},
	{0x1D7AA, 0x1D7C2}, {0x1D7C4, 0x1D7FF}, {0x1DF00, 0x1DF1E},
	{0x1E100, 0x1E12C}, {0x1E137, 0x1E14E}, {0x1E290, 0x1E2AD},
	{0x1E2C0, 0x1E2EB}, {0x1E2F0, 0x1E2F9}, {0x1E7E0, 0x1E8CF},
	{0x1E900, 0x1E943}, {0x1E94B, 0x1E959}, {0x1EC71, 0x1ECAB},
	{0x1ECAD, 0x1ECAF}, {0x1ECB1, 0x1ED2D}, {0x1ED2F, 0x1EEBB},
	{0x1F100, 0x1F10C}, {0x1FBF0, 0x3134A},
};

static int is_letter_or_number(uint32_t cp)
{
	size_t lo = 0, hi = sizeof letter_ranges / sizeof letter_ranges[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < letter_ranges[mid][0])
			hi = mid;
		else if (cp > letter_ranges[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/*
 * Go's dotenv isSpace: the blanks skipped around keys and before a value
 * (not LF). Returns the length of the one at S, or 0.
 */
static size_t blank_len(const unsigned char *s, size_t n)
{
	switch (s[0]) {
	case '\t': case '\v': case '\f': case '\r': case ' ':
		return 1;
	case 0xC2: /* U+0085 NEL, U+00A0 NO-BREAK SPACE */
		return n >= 2 && (s[1] == 0x85 || s[1] == 0xA0) ? 2 : 0;
	}
	return 0;
}

/* Go's unicode.IsSpace on a code point. */
static int is_uspace(uint32_t c)
{
	switch (c) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return 1;
	}
	return c >= 0x2000 && c <= 0x200A;
}

/* Length of the Unicode whitespace character at S (LF included), or 0. */
static size_t uspace_len(const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len = diag_utf8_decode(s, n, &c);
	return len && is_uspace(c) ? len : 0;
}

/*
 * Length of the Unicode whitespace character that ends S[0..N), or 0.
 * Whitespace is ASCII or 2 to 3 bytes long, and starts with a lead byte,
 * so trying the suffixes of 1, 2 and 3 bytes finds exactly the character
 * that Go's DecodeLastRune would.
 */
static size_t uspace_last_len(const unsigned char *s, size_t n)
{
	if (n && s[n - 1] < 0x80) /* ASCII, the usual case: no decoding */
		return is_uspace(s[n - 1]);
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		uint32_t c;
		if (diag_utf8_decode(s + n - k, k, &c) == k)
			return is_uspace(c) ? k : 0;
	}
	return 0;
}

/* Move to TO, counting the LFs passed (R2.6). */
static void advance(struct parser *p, size_t to)
{
	const unsigned char *s = p->s + p->pos, *e = p->s + to;
	while (s < e && (s = memchr(s, '\n', (size_t)(e - s)))) {
		p->line++;
		s++;
	}
	p->pos = to;
}

/* "NAME:LINE" of the current entry, valid until the next call. */
static const char *where(struct parser *p)
{
	return pathline(&p->where, &p->wherecap, p->name, p->entry);
}

/* R3.1, R3.2: skip whitespace (LF included) and comment lines. */
static void skip_to_statement(struct parser *p)
{
	while (p->pos < p->n) {
		unsigned char c = p->s[p->pos];
		size_t w;
		if (c == '\n') { /* the usual cases first, without decoding */
			p->line++;
			p->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			p->pos++;
		} else if ((w = uspace_len(p->s + p->pos, p->n - p->pos))) {
			advance(p, p->pos + w);
		} else if (c == '#') {
			const unsigned char *lf =
				memchr(p->s + p->pos, '\n', p->n - p->pos);
			p->pos = lf ? (size_t)(lf - p->s) : p->n;
		} else {
			break;
		}
	}
}

/* Skip Go's isSpace blanks (never an LF: no line to count). */
static void skip_blanks(struct parser *p)
{
	size_t w;
	while (p->pos < p->n && (w = blank_len(p->s + p->pos, p->n - p->pos)))
		p->pos += w;
}

/* Go's regexp \s: what must follow `export` (not VT, unlike blanks). */
static int go_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\n';
}

/*
 * R4.1: `export` followed by whitespace is dropped with the whitespace
 * after it, LFs included as in compose's `^export\s+`, then the blanks.
 */
static void skip_export(struct parser *p)
{
	static const char word[] = "export";
	size_t w = sizeof word - 1, i = p->pos + w;

	if (p->n - p->pos <= w || memcmp(p->s + p->pos, word, w) != 0 ||
	    !go_space(p->s[i]))
		return;
	while (i < p->n && go_space(p->s[i]))
		i++;
	advance(p, i);
	skip_blanks(p);
}

/* Report a syntax error at the current entry; the caller then stops. */
static int syntax_error(struct parser *p, const char *msg)
{
	diag_error(p->d, where(p), NULL, "%s", msg);
	return -1;
}

/* R5.3: the ASCII characters allowed in a key. */
static int key_ascii(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
	       c == '[' || c == ']';
}

/* R5.3: report a character that may not appear in a key. */
static int bad_key_char(struct parser *p, size_t i)
{
	const unsigned char *s = p->s + i;
	uint32_t c;
	size_t len = diag_utf8_decode(s, p->n - i, &c);

	/* Only printable ASCII is shown as is: the byte may be the start of
	 * a value that was meant to follow a missing `=`. */
	if (s[0] > 0x20 && s[0] < 0x7f)
		diag_error(p->d, where(p), NULL,
			   "unexpected character '%c' in variable name", s[0]);
	else if (len > 1)
		diag_error(p->d, where(p), NULL,
			   "unexpected character U+%04X in variable name",
			   (unsigned)c);
	else
		diag_error(p->d, where(p), NULL,
			   "unexpected byte 0x%02X in variable name", s[0]);
	return -1;
}

/*
 * R5.4 and the tab deviation: whitespace inside a key. compose rejects
 * only U+0020; envinit rejects any blank there, since no program can use
 * a variable whose name holds a tab, CR or no-break space.
 */
static int check_key_blanks(struct parser *p, const unsigned char *k,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t w = blank_len(k + i, n - i);
		if (!w)
			continue;
		if (k[i] == ' ')
			return syntax_error(p, "key cannot contain a space");
		if (k[i] == '\t')
			return syntax_error(p, "key cannot contain a tab");
		return syntax_error(p, "key cannot contain whitespace");
	}
	return 0;
}

/*
 * R5.1 to R5.8: read the key at p->pos into p->key. Sets *BARE when no
 * separator follows (LF or end of file: R8, R8.3) and leaves p->pos on the
 * LF; else leaves it after the `=` or `:`. Returns -1 on a syntax error.
 */
static int read_key(struct parser *p, int *bare)
{
	size_t start = p->pos, i = start, w;
	int blanks = 0; /* a blank was seen: check_key_blanks has work */

	for (; i < p->n; i += w) {
		unsigned char ch = p->s[i];
		uint32_t c;
		w = 1;
		if (ch == '=' || ch == ':' || ch == '\n')
			break;
		if (key_ascii(ch))
			continue;
		if ((w = blank_len(p->s + i, p->n - i))) {
			blanks = 1;
			continue;
		}
		w = diag_utf8_decode(p->s + i, p->n - i, &c);
		if (w > 1 && is_letter_or_number(c))
			continue;
		return bad_key_char(p, i);
	}
	*bare = i == p->n || p->s[i] == '\n';

	size_t end = i;
	while (end > start && (w = uspace_last_len(p->s + start, end - start)))
		end -= w;
	if (end == start)
		return syntax_error(p, "variable name is empty");
	if (blanks && check_key_blanks(p, p->s + start, end - start) < 0)
		return -1;

	xgrow((void **)&p->key, &p->keycap, end - start + 1, 1);
	memcpy(p->key, p->s + start, end - start);
	p->key[end - start] = '\0';
	advance(p, *bare ? i : i + 1);
	return 0;
}

/* Store the finished value of p->key, unless it cannot be represented. */
static void set_value(struct parser *p, const char *v, size_t len)
{
	size_t fromlen = p->trace.from.len; /* consumed by this value */
	p->trace.from.len = 0;
	if (len == 0)
		v = ""; /* an empty buffer may not be allocated yet */
	if (memchr(v, '\0', len)) {
		/* DEVIATION (R2.5): C environment strings cannot hold NUL. */
		diag_error(p->d, where(p), NULL,
			   "the value of %s contains a NUL byte", p->key);
		return;
	}
	/* Values may repeat earlier ones through interpolation: bound what
	 * one file can make, as its size is bounded. */
	p->total += len;
	if (p->total > ENVINIT_MAX_ENVFILE_SIZE) {
		diag_error(p->d, where(p), NULL,
			   "the values of this file total more than %zu MiB (interpolation)",
			   ENVINIT_MAX_ENVFILE_SIZE >> 20);
		p->stop = 1;
		return;
	}
	struct envvar *var = envset_set(p->out, p->key, v, len, ORIG_ENVFILE,
					where(p));
	if (fromlen) /* taint travels with the value */
		var->from = xstrndup(p->trace.from.p, fromlen);
	if (p->on_entry)
		p->on_entry(p->ctx, p->key, where(p), var, p->flags);
}

/* Interpolate TEXT into p->val and set the key; errors drop the key. */
static void set_interpolated(struct parser *p, const char *text, size_t len)
{
	struct interp_error err;

	p->val.len = 0;
	if (memchr(text, '$', len))
		p->flags |= ENVFILE_INTERPOLATED;
	p->trace.from.len = p->trace.unset.len = 0;
	p->trace.nfrom = p->trace.nunset = 0;
	enum interp_status st = interp_expand_traced(text, len, p->env, p->out,
						     &p->val, &err, &p->trace);
	/* compose warns about each unset variable; only a real assembly
	 * (ENV given) knows what is set */
	for (size_t i = 0; p->env && i < p->trace.unset.len;) {
		const char *u = p->trace.unset.p + i;
		const char *e = memchr(u, ',', p->trace.unset.len - i);
		size_t k = e ? (size_t)(e - u) : p->trace.unset.len - i;
		char *name = xstrndup(u, k);
		diag_warn(p->d, name, where(p), "not set, interpolated as empty");
		free(name);
		i += k + 1;
	}
	if (st) {
		p->trace.from.len = 0;
		if (p->on_entry && err.status == INTERP_REQUIRED) {
			p->on_entry(p->ctx, p->key, where(p), NULL, p->flags);
			return;
		}
		char *msg = interp_strerror(&err, p->key);
		diag_error(p->d, where(p), NULL, "%s", msg);
		free(msg);
		return;
	}
	set_value(p, p->val.p, p->val.len);
}

/*
 * envfile_scan_keys: note the key whose value is S[0..N), quoted with Q (0
 * unquoted), or stop the scan when only the full parser can tell whether
 * the value is set or fails: interpolation, escapes that can make a NUL,
 * a NUL, a value past interpolation's limit.
 */
static void scan_value(struct parser *p, const unsigned char *s, size_t n,
		       unsigned char q)
{
	struct keyscan *k = p->scan;
	if (memchr(s, '\0', n) ||
	    (q != '\'' && (n > INTERP_MAX_VALUE || memchr(s, '$', n))) ||
	    (q == '"' && memchr(s, '\\', n))) {
		k->full = 1;
		p->stop = 1;
		return;
	}
	size_t klen = strlen(p->key) + 1;
	xgrow((void **)&k->names, &k->cap, k->len + klen, 1);
	xgrow((void **)&k->off, &k->ocap, k->n + 1, sizeof *k->off);
	memcpy(k->names + k->len, p->key, klen);
	k->off[k->n++] = k->len;
	k->len += klen;
}

/* R8: a bare KEY copies ENV's value, even an empty one, and only ENV's. */
static void inherit(struct parser *p)
{
	const struct envvar *v = p->env ? envset_get(p->env, p->key) : NULL;
	if (p->on_entry)
		p->on_entry(p->ctx, p->key, where(p), NULL, ENVFILE_BARE);
	if (v)
		envset_set(p->out, p->key, v->val, v->len, ORIG_ENVFILE,
			   where(p));
}

/*
 * R6.1: an unquoted value runs to the LF, is cut at the first " #", loses
 * its trailing Unicode whitespace, and is interpolated. Leading blanks
 * were skipped before the cut (R6.1.4: `A= # x` gives `# x`).
 */
static void unquoted(struct parser *p)
{
	const unsigned char *v = p->s + p->pos;
	const unsigned char *lf = memchr(v, '\n', p->n - p->pos);
	size_t len = lf ? (size_t)(lf - v) : p->n - p->pos, w;
	const unsigned char *cut = memmem(v, len, " #", 2);

	p->pos += len; /* stays on the LF, which the next statement skips */
	if (cut)
		len = (size_t)(cut - v);
	while (len && (v[len - 1] == ' ' || v[len - 1] == '\t')) /* usual */
		len--;
	while (len && (w = uspace_last_len(v, len)))
		len -= w;
	if (p->scan) {
		scan_value(p, v, len, 0);
		return;
	}
	set_interpolated(p, (const char *)v, len);
}

/* The value of an octal digit, or -1. */
static int octal(unsigned char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

static void put_utf8(struct interp_buf *b, unsigned c)
{
	char u[2];
	if (c < 0x80) {
		u[0] = (char)c;
		interp_buf_add(b, u, 1);
		return;
	}
	u[0] = (char)(0xC0 | c >> 6);
	u[1] = (char)(0x80 | (c & 0x3F));
	interp_buf_add(b, u, 2);
}

/*
 * R6.3.2 `\0` plus up to three ASCII digits, S pointing after the `0` (N
 * bytes left). compose rewrites it to `\ddd` and decodes that as a Go
 * octal escape: exactly three octal digits up to \377 give that code
 * point (UTF-8 encoded above 0x7F, as Go's string(rune) does); anything
 * else is kept as `\` plus the digits, so `"\0"` gives `\`. Returns the
 * number of digits consumed.
 */
static size_t octal_escape(struct interp_buf *b, const unsigned char *s,
			   size_t n)
{
	size_t k = 0;
	while (k < 3 && k < n && s[k] >= '0' && s[k] <= '9')
		k++;
	if (k == 3 && octal(s[0]) >= 0 && octal(s[1]) >= 0 &&
	    octal(s[2]) >= 0) {
		unsigned c = (unsigned)(octal(s[0]) * 64 + octal(s[1]) * 8 +
					octal(s[2]));
		if (c <= 0xFF) {
			put_utf8(b, c);
			return k;
		}
	}
	interp_buf_add(b, "\\", 1);
	interp_buf_add(b, (const char *)s, k);
	return k;
}

/*
 * R6.3.1, R6.3.2: decode the raw text of a double-quoted value into
 * p->raw. `\$` becomes `$$`, which interpolation turns into a `$` that is
 * never expanded (R7.6); every unknown escape is kept as typed.
 */
static void decode_double(struct parser *p, const unsigned char *s, size_t n)
{
	struct interp_buf *b = &p->raw;
	size_t i = 0, run = 0;

	while (i < n) {
		const unsigned char *bs = memchr(s + i, '\\', n - i);
		if (!bs || bs + 1 == s + n)
			break;
		i = (size_t)(bs - s);
		interp_buf_add(b, (const char *)s + run, i - run);
		unsigned char e = s[i + 1];
		const char *rep = NULL;
		i += 2;
		switch (e) {
		case 'a': rep = "\a"; break;
		case 'b': rep = "\b"; break;
		case 'f': rep = "\f"; break;
		case 'n': rep = "\n"; break;
		case 'r': rep = "\r"; break;
		case 't': rep = "\t"; break;
		case 'v': rep = "\v"; break;
		case '\\': rep = "\\"; break;
		case '"': rep = "\""; break;
		case '$': rep = "$$"; break;
		case '0':
			i += octal_escape(b, s + i, n - i);
			break;
		default: /* \c, \x41, \u00e9, \' ...: kept as typed */
			interp_buf_add(b, (const char *)s + i - 2, 2);
			break;
		}
		if (rep)
			interp_buf_add(b, rep, strlen(rep));
		run = i;
	}
	interp_buf_add(b, (const char *)s + run, n - run);
}

/* R6.2.2: in single quotes only `\'` is an escape. */
static void decode_single(struct parser *p, const unsigned char *s, size_t n)
{
	size_t i = 0, run = 0;

	while (i + 1 < n) {
		const unsigned char *bs = memchr(s + i, '\\', n - i - 1);
		if (!bs)
			break;
		i = (size_t)(bs - s);
		if (s[i + 1] == '\'') {
			interp_buf_add(&p->raw, (const char *)s + run, i - run);
			run = i + 1; /* drop the backslash, keep the quote */
		}
		i += 2;
	}
	interp_buf_add(&p->raw, (const char *)s + run, n - run);
}

/*
 * R6.2, R6.3: a quoted value ends at the next quote that is not escaped,
 * over any number of lines. Escapes pair up left to right: a backslash
 * escapes the one byte after it, so in `"C:\\Users\\"` the last quote
 * closes the value. The scanner then goes on right after the closing
 * quote (R6.4). Returns -1 if it never closes.
 */
static int quoted(struct parser *p)
{
	unsigned char q = p->s[p->pos];
	size_t open = p->pos, i = open + 1;

	for (; i < p->n && p->s[i] != q; i++)
		if (p->s[i] == '\\')
			i++; /* skip the escaped byte, whatever it is */
	if (i >= p->n)
		return syntax_error(p, q == '"' ?
				    "unterminated double-quoted value" :
				    "unterminated single-quoted value");
	advance(p, i + 1);
	if (p->scan) {
		scan_value(p, p->s + open + 1, i - open - 1, q);
		return 0;
	}

	p->raw.len = 0;
	if (q == '\'') {
		/* R6.2.3: no interpolation, not even `$$` */
		decode_single(p, p->s + open + 1, i - open - 1);
		set_value(p, p->raw.p, p->raw.len);
	} else {
		/* R6.3.3: escapes first, then interpolation */
		decode_double(p, p->s + open + 1, i - open - 1);
		set_interpolated(p, p->raw.len ? p->raw.p : "", p->raw.len);
	}
	return 0;
}

/* One statement at p->pos (not blank, not a comment). */
static int statement(struct parser *p)
{
	int bare;

	skip_export(p);
	if (p->pos == p->n)
		return 0; /* R4.3: a lone `export` */
	p->entry = p->line;
	p->flags = 0;
	if (read_key(p, &bare) < 0)
		return -1;
	if (bare) {
		inherit(p);
		return 0;
	}
	skip_blanks(p); /* R5.9 */
	if (p->pos < p->n && (p->s[p->pos] == '"' || p->s[p->pos] == '\''))
		return quoted(p);
	unquoted(p);
	return 0;
}

/* After a syntax error, in lint mode: go on at the next line. */
static void skip_line(struct parser *p)
{
	const unsigned char *lf = memchr(p->s + p->pos, '\n', p->n - p->pos);
	advance(p, lf ? (size_t)(lf - p->s) : p->n);
}

static int parse(struct parser *p)
{
	size_t before = p->d->nerrors;

	/* R2.1: a BOM only at the very start */
	if (p->n >= 3 && memcmp(p->s, "\xEF\xBB\xBF", 3) == 0)
		p->pos = 3;
	for (;;) {
		skip_to_statement(p);
		if (p->pos == p->n || p->stop)
			break;
		if (statement(p) < 0) {
			if (!p->on_entry)
				break;
			skip_line(p);
		}
	}

	interp_buf_wipe(&p->raw);
	interp_buf_wipe(&p->val);
	interp_trace_free(&p->trace);
	free(p->key);
	free(p->where);
	return (int)(p->d->nerrors - before);
}

int envfile_parse(const char *name, const char *buf, size_t len,
		  const struct envset *env, struct envset *out, struct diag *d)
{
	struct parser p = {
		.name = name, .s = (const unsigned char *)buf, .n = len,
		.line = 1, .env = env, .out = out, .d = d,
	};
	/* an entry takes a line or more: one array for the whole file */
	envset_reserve(out, out->n + fileio_lines(buf, len));
	return parse(&p);
}

int envfile_parse_each(const char *name, const char *buf, size_t len,
		       struct envset *out, struct diag *d,
		       envfile_entry_fn *entry, void *ctx)
{
	struct parser p = {
		.name = name, .s = (const unsigned char *)buf, .n = len,
		.line = 1, .out = out, .d = d, .on_entry = entry, .ctx = ctx,
	};
	return parse(&p);
}

/* Call ENTRY for each distinct key of K, in order (dup: a hash table). */
static void scan_emit(const struct keyscan *k, envfile_key_fn *entry,
		      void *ctx)
{
	size_t nslots = 16;
	while (nslots < 2 * k->n)
		nslots *= 2;
	size_t *slots = xcalloc(nslots, sizeof *slots), mask = nslots - 1;
	for (size_t i = 0; i < k->n; i++) {
		const char *key = k->names + k->off[i];
		size_t j = envset_hash(key) & mask;
		while (slots[j] && strcmp(k->names + k->off[slots[j] - 1], key) != 0)
			j = (j + 1) & mask;
		if (slots[j])
			continue;
		slots[j] = i + 1;
		entry(ctx, key);
	}
	free(slots);
}

int envfile_scan_keys(const char *name, const char *buf, size_t len,
		      struct diag *d, envfile_key_fn *entry, void *ctx)
{
	struct keyscan k = { 0 };
	struct parser p = {
		.name = name, .s = (const unsigned char *)buf, .n = len,
		.line = 1, .d = d, .scan = &k,
	};
	int errs = parse(&p);
	if (!k.full) {
		scan_emit(&k, entry, ctx);
	} else {
		/* The scan stops at the first such value, before any error. */
		struct envset out;
		envset_init(&out);
		errs = envfile_parse(name, buf, len, NULL, &out, d);
		for (size_t i = 0; i < out.n; i++)
			if (envset_live(&out.v[i]))
				entry(ctx, out.v[i].key);
		envset_free(&out);
	}
	free(k.names);
	free(k.off);
	return errs;
}

int envfile_read(const char *path, int missing_ok, char **buf, size_t *len,
		 struct stat *st, struct diag *d)
{
	struct stat ignored;
	enum fileio_err e = fileio_read_stat(AT_FDCWD, path,
					     ENVINIT_MAX_ENVFILE_SIZE, 0, buf,
					     len, st ? st : &ignored);
	if (e == FIO_NOENT && missing_ok)
		return -1;
	if (e) {
		diag_error(d, path, NULL, "cannot read env file: %s",
			   fileio_strerror(e));
		return 1;
	}
	return 0;
}

int envfile_load_keys(const char *path, struct diag *d, envfile_key_fn *entry,
		      void *ctx)
{
	char *buf;
	size_t len;
	if (envfile_read(path, 0, &buf, &len, NULL, d))
		return 1;
	int n = envfile_scan_keys(path, buf, len, d, entry, ctx);
	wipe_free(buf, len + 1);
	return n;
}

int envfile_load(const char *path, int missing_ok, const struct envset *env,
		 struct envset *out, struct diag *d)
{
	char *buf;
	size_t len;
	int r = envfile_read(path, missing_ok, &buf, &len, NULL, d);
	if (r)
		return r > 0;
	int n = envfile_parse(path, buf, len, env, out, d);
	wipe_free(buf, len + 1);
	return n;
}
