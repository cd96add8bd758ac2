// SPDX-License-Identifier: GPL-2.0-or-later
/* The vfio variant alias matcher and its most-specific rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "variant.h"

static void glob_case(const char *name, const char *pat, const char *s,
		      int want)
{
	t_begin(name);
	T_INT(variant_glob(pat, s), want);
	t_end();
}

/* Writes text to a temp file; returns its path (static). */
static const char *alias_file(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/vfio-claim-alias.XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* A real ConnectX-7 VF modalias and alias lines as the kernel writes them. */
#define CX7 "pci:v000015B3d0000101Esv000015B3sd00000041bc02sc00i00"

void test_variant(void)
{
	char mod[64];
	const char *p;

	glob_case("variant/glob/star-matches-rest", "v000015B3d*",
		  "v000015B3d0000101E", 1);
	glob_case("variant/glob/literal-mismatch", "v000015B3d0000101F*",
		  "v000015B3d0000101E", 0);
	glob_case("variant/glob/question", "v000015B?d0000101E",
		  "v000015B3d0000101E", 1);
	glob_case("variant/glob/set-range", "bc0[1-3]", "bc02", 1);
	glob_case("variant/glob/set-negated", "bc0[!2]", "bc02", 0);
	glob_case("variant/glob/star-backtracks", "a*b*c", "axxbyyc", 1);
	glob_case("variant/glob/trailing-text", "abc", "abcd", 0);
	glob_case("variant/glob/empty-star", "*", "", 1);
	/* Found by the fuzzer: an unclosed set read past the pattern. */
	glob_case("variant/glob/unclosed-set", ".[", ".x", 0);
	glob_case("variant/glob/unclosed-range", "[a-", "a", 0);

	p = alias_file(
		"# Aliases extracted from modules themselves.\n"
		"alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core\n"
		"alias vfio_pci:v000015B3d*sv*sd*bc*sc*i* generic_vfio_pci\n"
		"alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* "
		"mlx5_vfio_pci\n"
		"alias vfio_pci:v000015B3d0000101Esv*sd*bc02sc*i* "
		"nic_vfio_pci\n"
		"alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* "
		"nvgrace_gpu_vfio_pci");
	t_begin("variant/find/fewest-wildcards-wins");
	T_INT(variant_find(p, CX7, mod, sizeof(mod)), 1);
	T_STR(mod, "nic_vfio_pci");
	t_end();

	t_begin("variant/find/pci-aliases-are-not-variants");
	T_INT(variant_find(p, "pci:v00008086d00001521sv*sd*bc02sc00i00", mod,
			   sizeof(mod)),
	      0);
	t_end();

	t_begin("variant/find/last-line-without-newline");
	T_INT(variant_find(
		      p,
		      "pci:v000010DEd00002342sv000010DEsd000016EBbc03sc02i00",
		      mod, sizeof(mod)),
	      1);
	T_STR(mod, "nvgrace_gpu_vfio_pci");
	t_end();

	t_begin("variant/find/not-a-pci-modalias");
	T_INT(variant_find(p, "usb:v1D6Bp0002", mod, sizeof(mod)), 0);
	t_end();

	t_begin("variant/known");
	T_INT(variant_known(p, "mlx5_vfio_pci"), 1);
	T_INT(variant_known(p, "mlx5_core"), 0);
	t_end();
	unlink(p);

	/* The same rule when the most specific line comes first. */
	p = alias_file(
		"alias vfio_pci:v000015B3d0000101Esv*sd*bc02sc*i* "
		"nic_vfio_pci\n"
		"alias vfio_pci:v000015B3d*sv*sd*bc*sc*i* generic_vfio_pci\n"
		"alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* "
		"mlx5_vfio_pci\n");
	t_begin("variant/find/most-specific-first-still-wins");
	T_INT(variant_find(p, CX7, mod, sizeof(mod)), 1);
	T_STR(mod, "nic_vfio_pci");
	t_end();
	unlink(p);

	t_begin("variant/find/missing-file-is-an-error");
	T_TRUE(variant_find("/nonexistent/modules.alias", CX7, mod,
			    sizeof(mod)) < 0);
	t_end();
}
