// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Page iterators
 *
 * A move copies a BO one page at a time. Each side of the copy is a
 * &struct tgem_page_iter that maps page *i* for as long as it takes to
 * copy it:
 *
 *  - system pages (&struct tgem_page_iter_tt) with kmap_local_page();
 *  - VRAM pages (&struct tgem_page_iter_vram) with
 *    io_mapping_map_local_wc() over the BAR, walking the allocation's
 *    buddy blocks with a &struct tgem_vram_cursor, so VRAM need not be
 *    contiguous.
 *
 * Nothing is ever vmapped: no vmalloc space is used, no global TLB flush
 * follows, and each mapping lives for one page copy. Mappings are undone
 * in LIFO order (destination, then source), as kmap_local requires.
 *
 * **Runs.** Where a page's local mapping is an address in a linear map
 * (system pages outside highmem are in the direct map; on 64-bit the
 * io_mapping of the BAR is one ioremap), pages that follow each other
 * physically follow each other in that map too, and one mapping covers
 * them all. The copy and the clear then take such a run, at most
 * %TGEM_COPY_RESCHED_PAGES, in one call of the copy primitive: what a
 * page costs besides its bytes (two mappings, a cursor seek, four
 * indirect calls, each a lookup of its own under an emulator) is paid
 * once per run. System pages come in runs of up to 2 MiB (see "TTM
 * device"), VRAM in buddy blocks; with highmem, or a 32-bit io_mapping
 * that maps one page at a time, every run is one page, as before.
 *
 * The copy picks its primitive from the kinds of memory: reading
 * write-combined VRAM goes through drm_memcpy_from_wc() (streaming
 * ``movntdqa`` loads where the CPU has them, since plain loads from WC
 * memory are uncached and slow); writing VRAM from system memory uses
 * plain stores, which WC combines.
 */

#include <linux/gpu_buddy.h>
#include <linux/highmem.h>
#include <linux/io-mapping.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <drm/drm_cache.h>
#include <kunit/visibility.h>

#include "ttm/tgem_iter.h"

/* Offer to reschedule every 256 KiB, not every page: it is not free. */
#define TGEM_COPY_RESCHED_PAGES 64

/**
 * tgem_vram_index_build() - Index the blocks of a VRAM allocation
 * @index: the index to fill
 * @mm: the buddy allocator of @blocks
 * @blocks: a non-empty list of &struct gpu_buddy_block, in the order the
 *          allocation's pages follow each other
 * @gfp: how to allocate the array
 *
 * Context: Process context if @gfp may sleep. @blocks must not change
 * while the index is in use.
 * Return: 0, or -ENOMEM; then @index is empty and needs no undo.
 */
int tgem_vram_index_build(struct tgem_vram_index *index, struct gpu_buddy *mm,
			  struct list_head *blocks, gfp_t gfp)
{
	struct gpu_buddy_block *block;
	unsigned int i = 0;
	pgoff_t pgoff = 0;

	index->count = 0;
	index->ext = kvmalloc_array(list_count_nodes(blocks), sizeof(*index->ext), gfp);
	if (!index->ext)
		return -ENOMEM;

	list_for_each_entry(block, blocks, link) {
		index->ext[i].pgoff = pgoff;
		index->ext[i].block = block;
		pgoff += gpu_buddy_block_size(mm, block) >> PAGE_SHIFT;
		i++;
	}
	index->count = i;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_index_build);

/**
 * tgem_vram_index_fini() - Free an index
 * @index: an index from tgem_vram_index_build(), or one that failed
 *
 * Context: Process context.
 */
void tgem_vram_index_fini(struct tgem_vram_index *index)
{
	kvfree(index->ext);
	index->ext = NULL;
	index->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_index_fini);

static void tgem_vram_cursor_set(struct tgem_vram_cursor *cur,
				 struct gpu_buddy_block *block, pgoff_t pgoff)
{
	cur->block = block;
	cur->block_pgoff = pgoff;
	cur->block_pages = gpu_buddy_block_size(cur->mm, block) >> PAGE_SHIFT;
}

/**
 * tgem_vram_cursor_init() - Start a cursor at page 0 of an allocation
 * @cur: the cursor
 * @mm: the buddy allocator of @blocks
 * @blocks: a non-empty list of &struct gpu_buddy_block
 *
 * The cursor has no index: seeking backwards walks from the first block.
 * Use it for a walk that only moves forward.
 *
 * Context: Any context. The caller keeps @blocks alive and unchanged for
 * the cursor's lifetime (it holds the owning BO's dma_resv or a pin).
 */
void tgem_vram_cursor_init(struct tgem_vram_cursor *cur, struct gpu_buddy *mm,
			   struct list_head *blocks)
{
	tgem_vram_cursor_init_indexed(cur, mm, blocks, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_cursor_init);

/**
 * tgem_vram_cursor_init_indexed() - Start a cursor that seeks in O(log n)
 * @cur: the cursor
 * @mm: the buddy allocator of @blocks
 * @blocks: a non-empty list of &struct gpu_buddy_block
 * @index: the index of @blocks (tgem_vram_index_build()), or NULL or empty
 *         for none
 *
 * Context: Any context. The caller keeps @blocks and @index alive and
 * unchanged for the cursor's lifetime.
 */
void tgem_vram_cursor_init_indexed(struct tgem_vram_cursor *cur,
				   struct gpu_buddy *mm, struct list_head *blocks,
				   const struct tgem_vram_index *index)
{
	cur->mm = mm;
	cur->head = blocks;
	cur->index = index && index->count ? index : NULL;
	cur->steps = 0;
	tgem_vram_cursor_set(cur, list_first_entry(blocks, struct gpu_buddy_block, link), 0);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_cursor_init_indexed);

/* Binary search: the last extent that starts at or before @pgoff. */
static void tgem_vram_cursor_jump(struct tgem_vram_cursor *cur, pgoff_t pgoff)
{
	const struct tgem_vram_index *index = cur->index;
	unsigned int lo = 0, hi = index->count;

	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		cur->steps++;
		if (index->ext[mid].pgoff <= pgoff)
			lo = mid;
		else
			hi = mid;
	}
	tgem_vram_cursor_set(cur, index->ext[lo].block, index->ext[lo].pgoff);
}

static bool tgem_vram_cursor_holds(const struct tgem_vram_cursor *cur,
				   pgoff_t pgoff)
{
	return pgoff >= cur->block_pgoff &&
	       pgoff < cur->block_pgoff + cur->block_pages;
}

static void tgem_vram_cursor_next(struct tgem_vram_cursor *cur)
{
	cur->steps++;
	tgem_vram_cursor_set(cur, list_next_entry(cur->block, link),
			     cur->block_pgoff + cur->block_pages);
}

static void tgem_vram_cursor_seek(struct tgem_vram_cursor *cur, pgoff_t pgoff)
{
	if (tgem_vram_cursor_holds(cur, pgoff))
		return;

	if (cur->index) {
		/* The next block is one step away; anything else is a search. */
		if (pgoff > cur->block_pgoff &&
		    !list_is_last(&cur->block->link, cur->head)) {
			tgem_vram_cursor_next(cur);
			if (tgem_vram_cursor_holds(cur, pgoff))
				return;
		}
		tgem_vram_cursor_jump(cur, pgoff);
		WARN_ON_ONCE(!tgem_vram_cursor_holds(cur, pgoff));
		return;
	}

	if (pgoff < cur->block_pgoff)
		tgem_vram_cursor_set(cur, list_first_entry(cur->head,
							   struct gpu_buddy_block,
							   link), 0);
	while (!tgem_vram_cursor_holds(cur, pgoff)) {
		if (WARN_ON_ONCE(list_is_last(&cur->block->link, cur->head)))
			return;
		tgem_vram_cursor_next(cur);
	}
}

/**
 * tgem_vram_cursor_offset() - VRAM offset of a page of the allocation
 * @cur: the cursor
 * @pgoff: page index within the allocation
 *
 * Context: Any context.
 * Return: the byte offset into VRAM of page @pgoff.
 */
u64 tgem_vram_cursor_offset(struct tgem_vram_cursor *cur, pgoff_t pgoff)
{
	tgem_vram_cursor_seek(cur, pgoff);
	return gpu_buddy_block_offset(cur->block) +
	       ((u64)(pgoff - cur->block_pgoff) << PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_cursor_offset);

/**
 * tgem_vram_cursor_run() - Physically contiguous pages from a page on
 * @cur: the cursor
 * @pgoff: page index within the allocation
 *
 * Context: Any context.
 * Return: how many pages, starting at @pgoff, follow each other in VRAM
 * within the block that holds @pgoff (at least 1).
 */
pgoff_t tgem_vram_cursor_run(struct tgem_vram_cursor *cur, pgoff_t pgoff)
{
	tgem_vram_cursor_seek(cur, pgoff);
	return cur->block_pgoff + cur->block_pages - pgoff;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_vram_cursor_run);

static void tgem_page_iter_tt_map(struct tgem_page_iter *it, pgoff_t i,
				  struct iosys_map *map)
{
	struct tgem_page_iter_tt *tt = container_of(it, typeof(*tt), base);

	iosys_map_set_vaddr(map, kmap_local_page(tt->pages[i]));
}

static void tgem_page_iter_tt_unmap(struct tgem_page_iter *it,
				    struct iosys_map *map)
{
	kunmap_local(map->vaddr);
}

static pgoff_t tgem_page_iter_tt_run(struct tgem_page_iter *it, pgoff_t i,
				     pgoff_t max)
{
	struct tgem_page_iter_tt *tt = container_of(it, typeof(*tt), base);
	unsigned long pfn = page_to_pfn(tt->pages[i]);
	pgoff_t n = 1;

	/* kmap_local_page() of a highmem page maps that page alone. */
	if (IS_ENABLED(CONFIG_HIGHMEM))
		return 1;
	while (n < max && page_to_pfn(tt->pages[i + n]) == pfn + n)
		n++;
	return n;
}

static const struct tgem_page_iter_ops tgem_page_iter_tt_ops = {
	.map_local = tgem_page_iter_tt_map,
	.unmap_local = tgem_page_iter_tt_unmap,
	.run = tgem_page_iter_tt_run,
};

/**
 * tgem_page_iter_tt_init() - Iterator over system pages
 * @it: the iterator to set up
 * @pages: the pages; the caller keeps them alive (populated and unmoving)
 *
 * Context: Any context.
 * Return: &it->base.
 */
struct tgem_page_iter *tgem_page_iter_tt_init(struct tgem_page_iter_tt *it,
					      struct page **pages)
{
	it->base.ops = &tgem_page_iter_tt_ops;
	it->pages = pages;
	return &it->base;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_page_iter_tt_init);

static void tgem_page_iter_vram_map(struct tgem_page_iter *it, pgoff_t i,
				    struct iosys_map *map)
{
	struct tgem_page_iter_vram *v = container_of(it, typeof(*v), base);
	u64 offset = tgem_vram_cursor_offset(&v->cur, i);

	iosys_map_set_vaddr_iomem(map, io_mapping_map_local_wc(v->iomap, offset));
}

static void tgem_page_iter_vram_unmap(struct tgem_page_iter *it,
				      struct iosys_map *map)
{
	io_mapping_unmap_local(map->vaddr_iomem);
}

static pgoff_t tgem_page_iter_vram_run(struct tgem_page_iter *it, pgoff_t i,
				       pgoff_t max)
{
	struct tgem_page_iter_vram *v = container_of(it, typeof(*v), base);

	/* An atomic io_mapping maps one page per call. */
	if (IS_ENABLED(CONFIG_HAVE_ATOMIC_IOMAP))
		return 1;
	return min(max, tgem_vram_cursor_run(&v->cur, i));
}

static const struct tgem_page_iter_ops tgem_page_iter_vram_ops = {
	.map_local = tgem_page_iter_vram_map,
	.unmap_local = tgem_page_iter_vram_unmap,
	.run = tgem_page_iter_vram_run,
};

/**
 * tgem_page_iter_vram_init() - Iterator over a VRAM allocation
 * @it: the iterator to set up
 * @iomap: the write-combined io_mapping of the BAR
 * @mm: the buddy allocator of @blocks
 * @blocks: the allocation's blocks, in page order
 *
 * Context: Any context. The caller keeps @blocks alive.
 * Return: &it->base.
 */
struct tgem_page_iter *tgem_page_iter_vram_init(struct tgem_page_iter_vram *it,
						struct io_mapping *iomap,
						struct gpu_buddy *mm,
						struct list_head *blocks)
{
	it->base.ops = &tgem_page_iter_vram_ops;
	it->iomap = iomap;
	tgem_vram_cursor_init(&it->cur, mm, blocks);
	return &it->base;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_page_iter_vram_init);

/**
 * tgem_page_iter_run() - Pages one local mapping of a page covers
 * @it: the iterator
 * @i: the page to map
 * @max: the most the caller wants, at least 1
 *
 * Context: Any context.
 * Return: how many pages from @i on, between 1 and @max, the mapping
 * &tgem_page_iter_ops.map_local makes of page @i covers, one after the
 * other (see "Runs").
 */
pgoff_t tgem_page_iter_run(struct tgem_page_iter *it, pgoff_t i, pgoff_t max)
{
	return it->ops->run ? clamp_val(it->ops->run(it, i, max), 1, max) : 1;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_page_iter_run);

/* The run both sides of a copy share from page @i on, at most @max. */
static pgoff_t tgem_page_copy_run(struct tgem_page_iter *dst,
				  struct tgem_page_iter *src, pgoff_t i,
				  pgoff_t max)
{
	max = tgem_page_iter_run(src, i, max);
	return tgem_page_iter_run(dst, i, max);
}

/**
 * tgem_page_copy() - Copy pages from one iterator to another
 * @dst: where to copy to
 * @src: where to copy from
 * @num_pages: how many pages, starting at page 0 of both
 *
 * Maps one source and one destination page at a time, or one run of
 * pages that both sides map linearly (see "Runs"), and unmaps them in
 * LIFO order. Reads from write-combined memory use drm_memcpy_from_wc().
 *
 * Context: Process context; may sleep between runs.
 */
void tgem_page_copy(struct tgem_page_iter *dst, struct tgem_page_iter *src,
		    pgoff_t num_pages)
{
	struct iosys_map s, d;
	pgoff_t i, n;

	for (i = 0; i < num_pages; i += n) {
		/* A run never crosses a multiple of the resched interval. */
		n = tgem_page_copy_run(dst, src, i,
				       min(num_pages - i, TGEM_COPY_RESCHED_PAGES -
					   i % TGEM_COPY_RESCHED_PAGES));
		src->ops->map_local(src, i, &s);
		dst->ops->map_local(dst, i, &d);

		if (s.is_iomem)
			drm_memcpy_from_wc(&d, &s, n << PAGE_SHIFT);
		else
			iosys_map_memcpy_to(&d, 0, s.vaddr, n << PAGE_SHIFT);

		dst->ops->unmap_local(dst, &d);
		src->ops->unmap_local(src, &s);
		if (!((i + n) % TGEM_COPY_RESCHED_PAGES))
			cond_resched();
	}
}
EXPORT_SYMBOL_IF_KUNIT(tgem_page_copy);

/**
 * tgem_page_clear() - Zero the pages of an iterator
 * @dst: the pages
 * @num_pages: how many pages, starting at page 0
 *
 * Context: Process context; may sleep between runs.
 */
void tgem_page_clear(struct tgem_page_iter *dst, pgoff_t num_pages)
{
	struct iosys_map d;
	pgoff_t i, n;

	for (i = 0; i < num_pages; i += n) {
		n = tgem_page_iter_run(dst, i,
				       min(num_pages - i, TGEM_COPY_RESCHED_PAGES -
					   i % TGEM_COPY_RESCHED_PAGES));
		dst->ops->map_local(dst, i, &d);
		iosys_map_memset(&d, 0, 0, n << PAGE_SHIFT);
		dst->ops->unmap_local(dst, &d);
		if (!((i + n) % TGEM_COPY_RESCHED_PAGES))
			cond_resched();
	}
}
EXPORT_SYMBOL_IF_KUNIT(tgem_page_clear);
