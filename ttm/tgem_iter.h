/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_ITER_H_
#define _TGEM_ITER_H_

#include <linux/iosys-map.h>
#include <linux/types.h>

struct gpu_buddy;
struct gpu_buddy_block;
struct io_mapping;
struct list_head;
struct page;

/**
 * struct tgem_vram_extent - One block of a VRAM allocation, in an index
 */
struct tgem_vram_extent {
	/** @pgoff: page index, within the allocation, of the block's first page */
	pgoff_t pgoff;
	/** @block: the buddy block */
	struct gpu_buddy_block *block;
};

/**
 * struct tgem_vram_index - The blocks of a VRAM allocation as a sorted array
 *
 * Built once when the allocation is made and read-only afterwards, so a
 * cursor can find the block of any page with a binary search instead of a
 * walk of the block list.
 */
struct tgem_vram_index {
	/** @count: entries in @ext; 0 when there is no index */
	unsigned int count;
	/** @ext: the blocks, in list order, so @ext[i].pgoff increases */
	struct tgem_vram_extent *ext;
};

/**
 * struct tgem_vram_cursor - Walks the pages of a VRAM allocation
 *
 * A VRAM allocation is a list of buddy blocks; the BO's pages are the
 * blocks' pages in list order. The cursor turns a page index of the
 * allocation into a VRAM byte offset. It moves forward in O(1) per page.
 * Any other seek is a binary search of the allocation's index when the
 * cursor has one (tgem_vram_cursor_init_indexed()), and a walk from the
 * first block when it has none.
 */
struct tgem_vram_cursor {
	/** @mm: the buddy allocator the blocks come from */
	struct gpu_buddy *mm;
	/** @head: the block list */
	struct list_head *head;
	/** @index: the allocation's index, or NULL */
	const struct tgem_vram_index *index;
	/** @block: the block holding page @pgoff */
	struct gpu_buddy_block *block;
	/** @block_pgoff: page index of the first page of @block */
	pgoff_t block_pgoff;
	/** @block_pages: pages in @block */
	pgoff_t block_pages;
	/**
	 * @steps: blocks and index entries looked at by seeks so far; what
	 * a seek costs, for the tests
	 */
	unsigned long steps;
};

int tgem_vram_index_build(struct tgem_vram_index *index, struct gpu_buddy *mm,
			  struct list_head *blocks, gfp_t gfp);
void tgem_vram_index_fini(struct tgem_vram_index *index);

void tgem_vram_cursor_init(struct tgem_vram_cursor *cur, struct gpu_buddy *mm,
			   struct list_head *blocks);
void tgem_vram_cursor_init_indexed(struct tgem_vram_cursor *cur,
				   struct gpu_buddy *mm, struct list_head *blocks,
				   const struct tgem_vram_index *index);
u64 tgem_vram_cursor_offset(struct tgem_vram_cursor *cur, pgoff_t pgoff);
pgoff_t tgem_vram_cursor_run(struct tgem_vram_cursor *cur, pgoff_t pgoff);

struct tgem_page_iter;

/**
 * struct tgem_page_iter_ops - How an iterator maps one page
 */
struct tgem_page_iter_ops {
	/**
	 * @map_local: map page @i into @map with a CPU-local mapping
	 * (kmap_local_page() or io_mapping_map_local_wc()). Cannot fail.
	 */
	void (*map_local)(struct tgem_page_iter *it, pgoff_t i,
			  struct iosys_map *map);
	/**
	 * @unmap_local: undo @map_local; mappings are undone in the reverse
	 * order they were made
	 */
	void (*unmap_local)(struct tgem_page_iter *it, struct iosys_map *map);
	/**
	 * @run: optional: how many pages from page @i on, at most @max (at
	 * least 1), the mapping that @map_local makes of page @i covers, one
	 * after the other in the CPU's address space. Without it, one.
	 */
	pgoff_t (*run)(struct tgem_page_iter *it, pgoff_t i, pgoff_t max);
};

/**
 * struct tgem_page_iter - Maps the pages of one side of a copy, one at a time
 */
struct tgem_page_iter {
	/** @ops: the mapping method */
	const struct tgem_page_iter_ops *ops;
};

/**
 * struct tgem_page_iter_tt - Iterator over an array of system pages
 */
struct tgem_page_iter_tt {
	/** @base: the iterator */
	struct tgem_page_iter base;
	/** @pages: the pages, e.g. &ttm_tt.pages */
	struct page **pages;
};

/**
 * struct tgem_page_iter_vram - Iterator over a VRAM allocation
 */
struct tgem_page_iter_vram {
	/** @base: the iterator */
	struct tgem_page_iter base;
	/** @iomap: the write-combined mapping of the whole BAR */
	struct io_mapping *iomap;
	/** @cur: turns page indices into VRAM offsets */
	struct tgem_vram_cursor cur;
};

struct tgem_page_iter *tgem_page_iter_tt_init(struct tgem_page_iter_tt *it,
					      struct page **pages);
struct tgem_page_iter *tgem_page_iter_vram_init(struct tgem_page_iter_vram *it,
						struct io_mapping *iomap,
						struct gpu_buddy *mm,
						struct list_head *blocks);

pgoff_t tgem_page_iter_run(struct tgem_page_iter *it, pgoff_t i, pgoff_t max);
void tgem_page_copy(struct tgem_page_iter *dst, struct tgem_page_iter *src,
		    pgoff_t num_pages);
void tgem_page_clear(struct tgem_page_iter *dst, pgoff_t num_pages);

#endif
