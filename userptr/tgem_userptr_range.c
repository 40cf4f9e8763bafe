// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Stale ranges
 *
 * xe, amdgpu and i915 keep one bit of state per userptr: valid or not. An
 * invalidation of one page of a 1 GiB userptr then costs a refault of all
 * 262,144 pages. tgem instead records *which* pages each invalidation
 * covered, as a set of page ranges (&struct tgem_userptr_ranges), and the
 * next validation calls hmm_range_fault() on those ranges only.
 *
 * The MMU notifier adds to the set, and it can run in direct reclaim, so
 * the set never allocates: it is a fixed, sorted array of at most
 * %TGEM_USERPTR_RANGES_MAX disjoint ranges. When an addition would need one
 * more slot, the two neighbouring ranges with the smallest gap between
 * them become one range covering the gap. The set may then call a few
 * valid pages stale, which costs a refault of pages that did not need it,
 * but it never calls a stale page valid. Clearing a range out of the
 * middle of another splits it in two, and the same rule applies when the
 * split does not fit.
 *
 * This file is pure logic with no device and no locking, so the KUnit
 * suite tgem_userptr_range checks it directly. It also holds the argument
 * check of the userptr ioctl (alignment, size, wrap-around), which is pure
 * too.
 */

#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "userptr/tgem_userptr_range.h"

/**
 * tgem_userptr_ranges_init() - Empty a set
 * @s: the set
 *
 * Context: Any context.
 */
void tgem_userptr_ranges_init(struct tgem_userptr_ranges *s)
{
	s->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_ranges_init);

/*
 * Store @n sorted, disjoint, non-adjacent ranges of @tmp in @s. At most
 * one more than fits may come in: then the pair with the smallest gap is
 * merged, which only ever grows what the set covers.
 */
static void tgem_userptr_ranges_store(struct tgem_userptr_ranges *s,
				      struct tgem_userptr_range *tmp,
				      unsigned int n)
{
	unsigned int i, best = 0;

	if (n > TGEM_USERPTR_RANGES_MAX) {
		for (i = 1; i + 1 < n; i++)
			if (tmp[i + 1].start - tmp[i].end <
			    tmp[best + 1].start - tmp[best].end)
				best = i;
		tmp[best].end = tmp[best + 1].end;
		memmove(&tmp[best + 1], &tmp[best + 2],
			(n - best - 2) * sizeof(*tmp));
		n--;
	}
	memcpy(s->r, tmp, n * sizeof(*tmp));
	s->count = n;
}

/**
 * tgem_userptr_ranges_add() - Add pages [@start, @end) to a set
 * @s: the set
 * @start: first page
 * @end: one past the last page; an empty range changes nothing
 *
 * Ranges that overlap or touch the new one merge with it. If the set is
 * full, two neighbours merge across their gap (see "Stale ranges").
 *
 * Context: Any context; never allocates or sleeps.
 */
void tgem_userptr_ranges_add(struct tgem_userptr_ranges *s, pgoff_t start,
			     pgoff_t end)
{
	struct tgem_userptr_range tmp[TGEM_USERPTR_RANGES_MAX + 1];
	unsigned int i = 0, n = 0;

	if (start >= end)
		return;

	for (; i < s->count && s->r[i].end < start; i++)
		tmp[n++] = s->r[i];
	for (; i < s->count && s->r[i].start <= end; i++) {
		start = min(start, s->r[i].start);
		end = max(end, s->r[i].end);
	}
	tmp[n].start = start;
	tmp[n++].end = end;
	for (; i < s->count; i++)
		tmp[n++] = s->r[i];

	tgem_userptr_ranges_store(s, tmp, n);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_ranges_add);

/**
 * tgem_userptr_ranges_clear() - Remove pages [@start, @end) from a set
 * @s: the set
 * @start: first page
 * @end: one past the last page; an empty range changes nothing
 *
 * A range that straddles @start or @end keeps its part outside; one that
 * contains the whole of [@start, @end) splits in two. If the split does
 * not fit, the set merges its closest pair again, so some of the cleared
 * pages may stay in the set (see "Stale ranges").
 *
 * Context: Any context; never allocates or sleeps.
 */
void tgem_userptr_ranges_clear(struct tgem_userptr_ranges *s, pgoff_t start,
			       pgoff_t end)
{
	struct tgem_userptr_range tmp[TGEM_USERPTR_RANGES_MAX + 1];
	unsigned int i, n = 0;

	if (start >= end)
		return;

	for (i = 0; i < s->count; i++) {
		const struct tgem_userptr_range *r = &s->r[i];

		if (r->end <= start || r->start >= end) {
			tmp[n++] = *r;
			continue;
		}
		if (r->start < start) {
			tmp[n].start = r->start;
			tmp[n++].end = start;
		}
		if (r->end > end) {
			tmp[n].start = end;
			tmp[n++].end = r->end;
		}
	}

	tgem_userptr_ranges_store(s, tmp, n);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_ranges_clear);

/**
 * tgem_userptr_ranges_pages() - Pages in a set
 * @s: the set
 *
 * Context: Any context.
 * Return: the number of pages the ranges of @s cover.
 */
pgoff_t tgem_userptr_ranges_pages(const struct tgem_userptr_ranges *s)
{
	pgoff_t pages = 0;
	unsigned int i;

	for (i = 0; i < s->count; i++)
		pages += s->r[i].end - s->r[i].start;
	return pages;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_ranges_pages);

/**
 * tgem_userptr_ranges_contains() - Whether a page is in a set
 * @s: the set
 * @page: the page
 *
 * Context: Any context.
 * Return: true if a range of @s covers @page.
 */
bool tgem_userptr_ranges_contains(const struct tgem_userptr_ranges *s,
				  pgoff_t page)
{
	unsigned int i;

	for (i = 0; i < s->count; i++)
		if (page >= s->r[i].start && page < s->r[i].end)
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_ranges_contains);

/**
 * tgem_userptr_range_clip() - The pages of a userptr an address range covers
 * @addr: user address of the userptr, page aligned
 * @npages: its size in pages
 * @start: first byte of the address range (an MMU notifier range)
 * @end: one past its last byte
 * @out: out: the pages of the userptr that [@start, @end) touches, partly
 *       or wholly
 *
 * A page that the address range only partly covers counts: the mm may be
 * changing any byte of it.
 *
 * Context: Any context.
 * Return: true if at least one page is covered and @out is set; false,
 * with @out untouched, if the ranges do not meet.
 */
bool tgem_userptr_range_clip(u64 addr, pgoff_t npages, u64 start, u64 end,
			     struct tgem_userptr_range *out)
{
	u64 uend = addr + ((u64)npages << PAGE_SHIFT);

	start = max(start, addr);
	end = min(end, uend);
	if (start >= end)
		return false;

	out->start = (start - addr) >> PAGE_SHIFT;
	out->end = DIV_ROUND_UP_ULL(end - addr, PAGE_SIZE);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_range_clip);

/**
 * tgem_userptr_range_check() - Check the address and size of a new userptr
 * @addr: user address
 * @size: size in bytes
 * @max_size: the largest size allowed, a multiple of PAGE_SIZE
 *
 * The checks that need no mm: whether the range lies inside the caller's
 * address space is left to access_ok().
 *
 * Context: Any context.
 * Return: 0 if acceptable; -EINVAL for a zero @size, an @addr or @size that
 * is not page aligned, or a @size above @max_size; -EFAULT if the range
 * wraps around the end of the address space.
 */
int tgem_userptr_range_check(u64 addr, u64 size, u64 max_size)
{
	u64 end;

	if (!size || !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(size) ||
	    size > max_size)
		return -EINVAL;
	if (check_add_overflow(addr, size, &end))
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_userptr_range_check);
