/* The release this tree builds; `palisade --version` and palisade_build_info. */
#ifndef PALISADE_VERSION_H
#define PALISADE_VERSION_H

#define PALISADE_VERSION "0.1.0"

#endif
