/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_MOVE_H_
#define _TGEM_MOVE_H_

#include <linux/types.h>

struct ttm_buffer_object;
struct ttm_operation_ctx;
struct ttm_place;
struct ttm_resource;

int tgem_move(struct ttm_buffer_object *bo, bool evict,
	      struct ttm_operation_ctx *ctx, struct ttm_resource *new_mem,
	      struct ttm_place *hop);

#endif
