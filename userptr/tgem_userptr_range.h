/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_USERPTR_RANGE_H_
#define _TGEM_USERPTR_RANGE_H_

#include <linux/types.h>

/**
 * TGEM_USERPTR_RANGES_MAX - Most disjoint stale ranges a userptr tracks
 *
 * Past this, the two ranges with the smallest gap between them are merged:
 * the set may then call a few valid pages stale, never a stale page valid.
 * It also bounds the hmm_range_fault() calls of one validation.
 */
#define TGEM_USERPTR_RANGES_MAX	16

/**
 * struct tgem_userptr_range - Pages [@start, @end) of a userptr
 */
struct tgem_userptr_range {
	/** @start: first page, counted from the start of the userptr */
	pgoff_t start;
	/** @end: one past the last page */
	pgoff_t end;
};

/**
 * struct tgem_userptr_ranges - A set of page ranges, with no allocation
 *
 * Sorted, disjoint and not adjacent: two ranges that touch are one range.
 * Fixed size, so the MMU notifier can update it in reclaim context. The
 * set says nothing about locking; its owner does.
 */
struct tgem_userptr_ranges {
	/** @count: ranges in use in @r */
	unsigned int count;
	/** @r: the ranges, in address order */
	struct tgem_userptr_range r[TGEM_USERPTR_RANGES_MAX];
};

void tgem_userptr_ranges_init(struct tgem_userptr_ranges *s);
void tgem_userptr_ranges_add(struct tgem_userptr_ranges *s, pgoff_t start,
			     pgoff_t end);
void tgem_userptr_ranges_clear(struct tgem_userptr_ranges *s, pgoff_t start,
			       pgoff_t end);
pgoff_t tgem_userptr_ranges_pages(const struct tgem_userptr_ranges *s);
bool tgem_userptr_ranges_contains(const struct tgem_userptr_ranges *s,
				  pgoff_t page);

static inline bool tgem_userptr_ranges_empty(const struct tgem_userptr_ranges *s)
{
	return !s->count;
}

bool tgem_userptr_range_clip(u64 addr, pgoff_t npages, u64 start, u64 end,
			     struct tgem_userptr_range *out);
int tgem_userptr_range_check(u64 addr, u64 size, u64 max_size);

#endif
