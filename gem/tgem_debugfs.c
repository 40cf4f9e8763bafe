// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: debugfs and the move benchmark
 *
 * Each tgem device adds files to its DRM debugfs directory
 * (``/sys/kernel/debug/dri/<minor>/``) from &drm_driver.debugfs_init:
 *
 *  - ``bench_move`` (root only): writing a decimal number of MiB runs the
 *    move benchmark on that many MiB, synchronously: the write returns
 *    when the benchmark is done, or fails with the errno that stopped it.
 *    Reading returns the results of the last run that succeeded as
 *    ``key value`` lines (nothing before the first run).
 *
 * The benchmark asks how close tgem's move path comes to the speed of the
 * memory itself. Each step is timed with ktime_get_ns() around the
 * operation alone; setup and checks are not timed. Steps 1 and 2 first do
 * the timed operations once untimed, so that neither side pays for a
 * first use the other side does not (cold caches and TLBs, and in a VM
 * the host faulting in guest memory on first touch).
 *
 *  1. **tgem's move path.** A VRAM|SYSTEM BO of the given size is moved to
 *     system memory and filled with a pattern through short-term mappings.
 *     Then tgem_bo_migrate() moves it into VRAM (``tgem_sys_to_vram``) and
 *     back (``tgem_vram_to_sys``): everything a MIGRATE ioctl does after
 *     its argument checks, that is the dma_resv lock, TTM's validate, the
 *     allocation of the new resource (VRAM blocks, or system pages the
 *     pool zeroes) and tgem_move()'s page-by-page kmap_local copy. The
 *     pattern is checked afterwards.
 *  2. **The baseline.** The same number of bytes copied between the same
 *     kinds of memory: the pages of a populated system BO (TTM pool pages,
 *     as in the move) and one linear io_mapping_map_wc() of a CONTIGUOUS
 *     VRAM-only BO, with memcpy_toio() into VRAM (``memcpy_toio``) and
 *     memcpy_fromio() back (``memcpy_fromio``). One call per physically
 *     contiguous run of system pages (at most 1 MiB, so the CPU can
 *     reschedule), through the direct map: no allocation and no per-page
 *     mapping. Right after, on exactly the same two ranges, tgem's page
 *     iterators copy the same bytes with tgem_page_copy() (``iter_*``):
 *     the move's copy loop without TTM's allocation and freeing, and
 *     without any difference in where the memory sits.
 *  3. **Eviction.** 1,000 one-page VRAM|SYSTEM BOs are created in VRAM,
 *     then ttm_resource_manager_evict_all() empties the VRAM manager.
 *     Reported: the total time, the time per BO, and the number of moves
 *     tgem made meanwhile (the &tgem_device.mem.moves delta), which should
 *     be exactly 1,000.
 *
 * MiB/s is the size over the time. ``ratio_*`` is tgem's MiB/s over the
 * baseline's for the same direction, with three decimals: 1.000 means the
 * move path costs nothing over the copy itself.
 *
 * The benchmark wants an idle device. It fails with ``EBUSY`` unless VRAM
 * is empty when it starts, because step 3 evicts *every* BO in VRAM,
 * VRAM-only ones included, and other BOs would skew the numbers; a client
 * that allocates VRAM while it runs is not stopped, so run it alone. Runs
 * are serialised by a mutex, and everything a run allocates is freed
 * before the write returns.
 */

#include <linux/debugfs.h>
#include <linux/io-mapping.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_managed.h>
#include <drm/drm_print.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_tt.h>
#include <uapi/drm/tgem_drm.h>

#include "gem/tgem_bo.h"
#include "gem/tgem_debugfs.h"
#include "gem/tgem_device.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_kmap.h"
#include "ttm/tgem_vram_mgr.h"

#define TGEM_BENCH_EVICT_BOS	1000
#define TGEM_BENCH_CHUNK	SZ_1M
#define TGEM_BENCH_SEED		0x7e6eb001u
#define TGEM_BENCH_BOTH		(DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM)

/**
 * struct tgem_bench_move_result - What one run of the move benchmark measured
 */
struct tgem_bench_move_result {
	/** @size: bytes moved or copied in each direction */
	u64 size;
	/** @tgem_to_vram_ns: tgem_bo_migrate() from system memory to VRAM */
	u64 tgem_to_vram_ns;
	/** @tgem_to_sys_ns: tgem_bo_migrate() from VRAM to system memory */
	u64 tgem_to_sys_ns;
	/** @memcpy_toio_ns: memcpy_toio() from system memory into VRAM */
	u64 memcpy_toio_ns;
	/** @memcpy_fromio_ns: memcpy_fromio() from VRAM into system memory */
	u64 memcpy_fromio_ns;
	/** @iter_to_vram_ns: tgem_page_copy(), same memory as @memcpy_toio_ns */
	u64 iter_to_vram_ns;
	/** @iter_to_sys_ns: tgem_page_copy(), same memory as @memcpy_fromio_ns */
	u64 iter_to_sys_ns;
	/** @evict_bos: how many one-page BOs were evicted */
	u64 evict_bos;
	/** @evict_ns: ttm_resource_manager_evict_all() on VRAM */
	u64 evict_ns;
	/** @evict_moves: moves tgem made during the eviction */
	u64 evict_moves;
};

/**
 * struct tgem_debugfs - Per-device state of the debugfs files
 *
 * Allocated with drmm_kzalloc(), so it outlives the debugfs files, which
 * drm_dev_unregister() removes (waiting for running handlers) before the
 * last reference to the device is dropped.
 */
struct tgem_debugfs {
	/** @tdev: the device */
	struct tgem_device *tdev;
	/**
	 * @lock: serialises benchmark runs; protects @last and @valid.
	 * Taken before any dma_resv, never under one.
	 */
	struct mutex lock;
	/** @last: results of the last run that succeeded; under @lock */
	struct tgem_bench_move_result last;
	/** @valid: whether @last holds results; under @lock */
	bool valid;
};

/* The pattern of tgem_util.c: word @word of the buffer, for @seed. */
static u32 tgem_bench_word(u32 seed, u64 word)
{
	return (u32)word * 0x9e3779b1u ^ seed;
}

static void tgem_bench_fill(u32 *p, u64 first_word, size_t words)
{
	size_t i;

	for (i = 0; i < words; i++)
		p[i] = tgem_bench_word(TGEM_BENCH_SEED, first_word + i);
}

static bool tgem_bench_check(const u32 *p, u64 first_word, size_t words)
{
	size_t i;

	for (i = 0; i < words; i++)
		if (p[i] != tgem_bench_word(TGEM_BENCH_SEED, first_word + i))
			return false;
	return true;
}

/*
 * Fill a BO that lives in system memory with the pattern, or check that it
 * holds it, one short-term page mapping at a time.
 */
static int tgem_bench_bo_pattern(struct tgem_bo *bo, bool check)
{
	const size_t words = PAGE_SIZE / sizeof(u32);
	pgoff_t i, num_pages = PFN_UP(bo->ttm.base.size);
	struct iosys_map map;
	int ret;

	ret = ttm_bo_reserve(&bo->ttm, true, false, NULL);
	if (ret)
		return ret;

	for (i = 0; i < num_pages; i++) {
		ret = tgem_bo_kmap_local_page_locked(bo, i, &map);
		if (ret)
			break;
		if (map.is_iomem)
			ret = -EIO;	/* It was just moved to system memory. */
		else if (!check)
			tgem_bench_fill(map.vaddr, (u64)i * words, words);
		else if (!tgem_bench_check(map.vaddr, (u64)i * words, words))
			ret = -EIO;
		tgem_bo_kunmap_local(&map);
		if (ret)
			break;
		cond_resched();
	}

	ttm_bo_unreserve(&bo->ttm);
	return ret;
}

/* Step 1: tgem_bo_migrate() both ways on a BO of @size bytes. */
static int tgem_bench_tgem_move(struct tgem_device *tdev, u64 size,
				struct tgem_bench_move_result *res)
{
	struct tgem_bo *bo;
	u64 t0, t1, t2;
	s64 moves;
	int ret;

	bo = tgem_bo_create(tdev, size, TGEM_BENCH_BOTH, 0);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	/* Start in system memory, populated and filled. */
	ret = tgem_bo_migrate(bo, 0);
	if (ret)
		goto out_put;
	ret = tgem_bench_bo_pattern(bo, false);
	if (ret)
		goto out_put;
	/* Warm up: one round trip untimed. */
	ret = tgem_bo_migrate(bo, 1) ?: tgem_bo_migrate(bo, 0);
	if (ret)
		goto out_put;

	moves = atomic64_read(&tdev->mem.moves);
	t0 = ktime_get_ns();
	ret = tgem_bo_migrate(bo, 1);
	t1 = ktime_get_ns();
	if (ret)
		goto out_put;
	ret = tgem_bo_migrate(bo, 0);
	t2 = ktime_get_ns();
	if (ret)
		goto out_put;

	/* Two copies must have happened, and kept the bytes. */
	if (atomic64_read(&tdev->mem.moves) - moves < 2) {
		ret = -EIO;
		goto out_put;
	}
	ret = tgem_bench_bo_pattern(bo, true);
	if (ret)
		goto out_put;

	res->tgem_to_vram_ns = t1 - t0;
	res->tgem_to_sys_ns = t2 - t1;
out_put:
	tgem_bo_put(bo);
	return ret;
}

/* Pages from @i on that follow each other physically, at most @max. */
static pgoff_t tgem_bench_run(struct page **pages, pgoff_t i, pgoff_t max)
{
	pgoff_t n = 1;

	while (n < max && page_to_pfn(pages[i + n]) == page_to_pfn(pages[i]) + n)
		n++;
	return n;
}

/*
 * The plain copy between the system pages of @pages and a linear WC
 * mapping of VRAM, one memcpy_toio()/memcpy_fromio() call per physically
 * contiguous run of at most 1 MiB, through the direct map. This is what a
 * driver without page iterators does: no per-page mapping at all.
 */
static void tgem_bench_plain_copy(void __iomem *vram, struct page **pages,
				  pgoff_t num_pages, bool to_vram)
{
	const pgoff_t chunk = SZ_1M >> PAGE_SHIFT;
	pgoff_t i, n;

	for (i = 0; i < num_pages; i += n) {
		n = tgem_bench_run(pages, i, min(chunk, num_pages - i));
		if (to_vram)
			memcpy_toio(vram + (i << PAGE_SHIFT), page_address(pages[i]),
				    n << PAGE_SHIFT);
		else
			memcpy_fromio(page_address(pages[i]), vram + (i << PAGE_SHIFT),
				      n << PAGE_SHIFT);
		cond_resched();
	}
}

static int tgem_bench_pin(struct tgem_bo *bo, bool pin)
{
	int ret = ttm_bo_reserve(&bo->ttm, true, false, NULL);

	if (ret)
		return ret;
	if (pin)
		ttm_bo_pin(&bo->ttm);
	else
		ttm_bo_unpin(&bo->ttm);
	ttm_bo_unreserve(&bo->ttm);
	return 0;
}

/*
 * Step 2: the baseline copies between the same kinds of memory as the
 * move: the pages of a populated system BO (TTM pool pages, like the
 * move's) and a linear WC mapping of a CONTIGUOUS VRAM-only BO. The system
 * BO is pinned so its pages stay put without holding its dma_resv while
 * the VRAM BO's is held.
 */
static int tgem_bench_memcpy(struct tgem_device *tdev, u64 size,
			     struct tgem_bench_move_result *res)
{
	pgoff_t num_pages = size >> PAGE_SHIFT;
	struct tgem_page_iter_vram vi;
	struct tgem_page_iter_tt tt;
	struct tgem_vram_resource *vres;
	struct tgem_bo *sys, *bo;
	void __iomem *vram;
	struct page **pages;
	u64 t0, t1, t2;
	int ret;

	if (IS_ENABLED(CONFIG_HIGHMEM))
		return -EOPNOTSUPP;	/* the plain copy needs the direct map */

	sys = tgem_bo_create(tdev, size, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	if (IS_ERR(sys))
		return PTR_ERR(sys);
	ret = tgem_bench_bo_pattern(sys, false);
	if (ret)
		goto out_put_sys;
	ret = tgem_bench_pin(sys, true);
	if (ret)
		goto out_put_sys;
	pages = sys->ttm.ttm->pages;

	bo = tgem_bo_create(tdev, size, DRM_TGEM_PLACEMENT_VRAM,
			    DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	if (IS_ERR(bo)) {
		ret = PTR_ERR(bo);
		goto out_unpin;
	}

	ret = ttm_bo_reserve(&bo->ttm, true, false, NULL);
	if (ret)
		goto out_put;

	vres = to_tgem_vram_resource(bo->ttm.resource);
	if (drm_WARN_ON(&tdev->drm, bo->ttm.resource->mem_type != TTM_PL_VRAM ||
			!vres->contiguous)) {
		ret = -EINVAL;
		goto out_unreserve;
	}
	vram = io_mapping_map_wc(&tdev->vram.iomap,
				 (u64)bo->ttm.resource->start << PAGE_SHIFT, size);
	if (!vram) {
		ret = -ENOMEM;
		goto out_unreserve;
	}

	/* Warm up: each copy once untimed. */
	tgem_bench_plain_copy(vram, pages, num_pages, true);
	tgem_bench_plain_copy(vram, pages, num_pages, false);

	t0 = ktime_get_ns();
	tgem_bench_plain_copy(vram, pages, num_pages, true);
	t1 = ktime_get_ns();
	memset(page_address(pages[0]), 0, PAGE_SIZE);	/* the copy back must restore it */
	t2 = ktime_get_ns();
	tgem_bench_plain_copy(vram, pages, num_pages, false);
	res->memcpy_fromio_ns = ktime_get_ns() - t2;
	res->memcpy_toio_ns = t1 - t0;

	/* tgem's page iterators over exactly the same memory. */
	tgem_page_iter_tt_init(&tt, pages);
	tgem_page_iter_vram_init(&vi, &tdev->vram.iomap, &tdev->vram.mgr.mm,
				 &vres->blocks);
	t0 = ktime_get_ns();
	tgem_page_copy(&vi.base, &tt.base, num_pages);
	t1 = ktime_get_ns();
	memset(page_address(pages[0]), 0, PAGE_SIZE);
	t2 = ktime_get_ns();
	tgem_page_copy(&tt.base, &vi.base, num_pages);
	res->iter_to_sys_ns = ktime_get_ns() - t2;
	res->iter_to_vram_ns = t1 - t0;

	io_mapping_unmap(vram);
out_unreserve:
	ttm_bo_unreserve(&bo->ttm);
out_put:
	tgem_bo_put(bo);
out_unpin:
	if (tgem_bench_pin(sys, false))
		drm_WARN_ON(&tdev->drm, 1);
	if (!ret)
		ret = tgem_bench_bo_pattern(sys, true);
out_put_sys:
	tgem_bo_put(sys);
	return ret;
}

/* Step 3: evict TGEM_BENCH_EVICT_BOS one-page BOs from VRAM at once. */
static int tgem_bench_evict(struct tgem_device *tdev,
			    struct tgem_bench_move_result *res)
{
	struct ttm_resource_manager *man = &tdev->vram.mgr.manager;
	struct tgem_bo **bos;
	s64 moves;
	u64 t0;
	int i, ret = 0;

	bos = kvcalloc(TGEM_BENCH_EVICT_BOS, sizeof(*bos), GFP_KERNEL);
	if (!bos)
		return -ENOMEM;

	for (i = 0; i < TGEM_BENCH_EVICT_BOS; i++) {
		bos[i] = tgem_bo_create(tdev, PAGE_SIZE, TGEM_BENCH_BOTH, 0);
		if (IS_ERR(bos[i])) {
			ret = PTR_ERR(bos[i]);
			bos[i] = NULL;
			goto out_put;
		}
	}
	/* Each must have landed in VRAM, or there is less to evict. */
	if (ttm_resource_manager_usage(man) < TGEM_BENCH_EVICT_BOS * PAGE_SIZE) {
		ret = -ENOSPC;
		goto out_put;
	}
	res->evict_bos = TGEM_BENCH_EVICT_BOS;

	moves = atomic64_read(&tdev->mem.moves);
	t0 = ktime_get_ns();
	ret = ttm_resource_manager_evict_all(&tdev->ttm, man);
	res->evict_ns = ktime_get_ns() - t0;
	res->evict_moves = atomic64_read(&tdev->mem.moves) - moves;

out_put:
	for (i = 0; i < TGEM_BENCH_EVICT_BOS && bos[i]; i++)
		tgem_bo_put(bos[i]);
	kvfree(bos);
	return ret;
}

static int tgem_bench_move_run_locked(struct tgem_debugfs *dbg, u64 size)
{
	struct tgem_device *tdev = dbg->tdev;
	struct tgem_bench_move_result res = { .size = size };
	int ret;

	lockdep_assert_held(&dbg->lock);

	if (ttm_resource_manager_usage(&tdev->vram.mgr.manager))
		return -EBUSY;

	ret = tgem_bench_tgem_move(tdev, size, &res);
	if (ret)
		return ret;
	ret = tgem_bench_memcpy(tdev, size, &res);
	if (ret)
		return ret;
	ret = tgem_bench_evict(tdev, &res);
	if (ret)
		return ret;

	dbg->last = res;
	dbg->valid = true;
	return 0;
}

static ssize_t tgem_bench_move_write(struct file *file, const char __user *ubuf,
				     size_t len, loff_t *pos)
{
	struct tgem_debugfs *dbg = ((struct seq_file *)file->private_data)->private;
	struct tgem_device *tdev = dbg->tdev;
	unsigned int mib;
	int idx, ret;

	/* Before any lock: copying from userspace may fault. */
	ret = kstrtouint_from_user(ubuf, len, 10, &mib);
	if (ret)
		return ret;
	if (!tgem_device_has_vram(tdev))
		return -ENODEV;
	if (!mib)
		return -EINVAL;
	if ((u64)mib * SZ_1M > tdev->vram.size)
		return -E2BIG;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;
	ret = mutex_lock_interruptible(&dbg->lock);
	if (!ret) {
		ret = tgem_bench_move_run_locked(dbg, (u64)mib * SZ_1M);
		mutex_unlock(&dbg->lock);
	}
	drm_dev_exit(idx);

	return ret ?: len;
}

static u64 tgem_bench_mibps(u64 size, u64 ns)
{
	return div64_u64((size >> 20) * NSEC_PER_SEC, max_t(u64, ns, 1));
}

/* tgem's MiB/s over the baseline's, in thousandths. */
static u64 tgem_bench_ratio_milli(u64 tgem_ns, u64 base_ns)
{
	return div64_u64(base_ns * 1000, max_t(u64, tgem_ns, 1));
}

/* "<name>_ns" and "<name>_mibps" for @size bytes in @ns. */
static void tgem_bench_show_time(struct seq_file *m, const char *name,
				 u64 size, u64 ns)
{
	seq_printf(m, "%s_ns %llu\n", name, ns);
	seq_printf(m, "%s_mibps %llu\n", name, tgem_bench_mibps(size, ns));
}

/* tgem's MiB/s over the baseline's, with three decimals. */
static void tgem_bench_show_ratio(struct seq_file *m, const char *name,
				  u64 tgem_ns, u64 base_ns)
{
	u64 ratio = tgem_bench_ratio_milli(tgem_ns, base_ns);

	seq_printf(m, "%s %llu.%03llu\n", name, ratio / 1000, ratio % 1000);
}

static int tgem_bench_move_show(struct seq_file *m, void *data)
{
	struct tgem_debugfs *dbg = m->private;
	struct tgem_bench_move_result r;
	bool valid;
	int ret;

	ret = mutex_lock_interruptible(&dbg->lock);
	if (ret)
		return ret;
	r = dbg->last;
	valid = dbg->valid;
	mutex_unlock(&dbg->lock);
	if (!valid)
		return 0;

	seq_printf(m, "size_mib %llu\n", r.size >> 20);
	tgem_bench_show_time(m, "tgem_sys_to_vram", r.size, r.tgem_to_vram_ns);
	tgem_bench_show_time(m, "tgem_vram_to_sys", r.size, r.tgem_to_sys_ns);
	tgem_bench_show_time(m, "memcpy_toio", r.size, r.memcpy_toio_ns);
	tgem_bench_show_time(m, "memcpy_fromio", r.size, r.memcpy_fromio_ns);
	tgem_bench_show_ratio(m, "ratio_sys_to_vram", r.tgem_to_vram_ns, r.memcpy_toio_ns);
	tgem_bench_show_ratio(m, "ratio_vram_to_sys", r.tgem_to_sys_ns, r.memcpy_fromio_ns);
	tgem_bench_show_time(m, "iter_sys_to_vram", r.size, r.iter_to_vram_ns);
	tgem_bench_show_time(m, "iter_vram_to_sys", r.size, r.iter_to_sys_ns);
	tgem_bench_show_ratio(m, "ratio_iter_sys_to_vram", r.iter_to_vram_ns,
			      r.memcpy_toio_ns);
	tgem_bench_show_ratio(m, "ratio_iter_vram_to_sys", r.iter_to_sys_ns,
			      r.memcpy_fromio_ns);
	seq_printf(m, "evict_bos %llu\n", r.evict_bos);
	seq_printf(m, "evict_ns %llu\n", r.evict_ns);
	seq_printf(m, "evict_ns_per_bo %llu\n",
		   div64_u64(r.evict_ns, max_t(u64, r.evict_bos, 1)));
	seq_printf(m, "evict_moves %llu\n", r.evict_moves);
	return 0;
}

DEFINE_SHOW_STORE_ATTRIBUTE(tgem_bench_move);

/**
 * tgem_debugfs_init() - Add tgem's files to a device's debugfs directory
 * @minor: the DRM minor whose directory to use; called by the DRM core
 *         through &drm_driver.debugfs_init for the primary minor
 *
 * debugfs is best effort: if the state cannot be allocated, the files are
 * simply missing. The DRM core removes them with the directory.
 *
 * Context: Process context, from drm_dev_register(); may sleep.
 */
void tgem_debugfs_init(struct drm_minor *minor)
{
	struct tgem_device *tdev = to_tgem_device(minor->dev);
	struct tgem_debugfs *dbg;

	dbg = drmm_kzalloc(&tdev->drm, sizeof(*dbg), GFP_KERNEL);
	if (!dbg || drmm_mutex_init(&tdev->drm, &dbg->lock))
		return;
	dbg->tdev = tdev;

	debugfs_create_file("bench_move", 0600, minor->debugfs_root, dbg,
			    &tgem_bench_move_fops);
}
