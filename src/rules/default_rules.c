/*
 * The rule sets embedded into the binary: the default set
 * (rules/palisade_rules.yaml) and the protect set (rules/protect.yaml,
 * `palisade run --protect`) and the deploy gate's baseline
 * (rules/authz_baseline.yaml, `palisade authz`) and the FIM rules (rules/fim.yaml,
 * `palisade run --fim`). embed.h says how; the Makefile lists
 * the files as prerequisites of this object.
 */
#include <stddef.h>

#include "embed.h"

EMBED(rules_default_yaml, "rules/palisade_rules.yaml");
EMBED(rules_protect_yaml, "rules/protect.yaml");
EMBED(rules_authz_yaml, "rules/authz_baseline.yaml");
EMBED(rules_fim_yaml, "rules/fim.yaml");
