/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_RELOC_CACHE_H_
#define _TGEM_RELOC_CACHE_H_

#include <linux/types.h>

#include "execbuf/tgem_reloc_types.h"

struct tgem_bo;

void tgem_reloc_cache_init(struct tgem_reloc_cache *cache);
void tgem_reloc_cache_set_bo(struct tgem_reloc_cache *cache, struct tgem_bo *bo);
int tgem_reloc_cache_write_locked(struct tgem_reloc_cache *cache, u64 offset,
				  u64 value);
void tgem_reloc_cache_fini(struct tgem_reloc_cache *cache);

#endif
