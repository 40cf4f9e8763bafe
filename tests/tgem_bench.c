// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: The move benchmark
 *
 * The benchmark is a test-only module, ``tgem_bench.ko``, built beside the
 * KUnit suites (``CONFIG_DRM_TGEM_BENCH``), never part of ``tgem.ko``. It
 * reaches tgem's internals through the symbols tgem exports for KUnit.
 *
 * It cannot disturb anyone: each run creates a tgem device of its own on
 * the memory BAR of the QEMU ``ivshmem-plain`` device, the way the KUnit
 * VRAM suites do, and destroys it before the run returns. The device is
 * never registered, so no client can open it, and every BO it holds is one
 * the benchmark created. While a driver (tgem) is bound to the ivshmem
 * device, a run fails with ``EBUSY`` and touches nothing; unbind tgem
 * first (``/sys/bus/pci/drivers/tgem/unbind``) and bind it again after.
 *
 * Interface, in debugfs (root only): writing a decimal number of MiB to
 * ``/sys/kernel/debug/tgem_bench/move`` runs the benchmark on that many
 * MiB, synchronously: the write returns when it is done, or fails with the
 * errno that stopped it (``ENODEV`` without an ivshmem device, ``EBUSY``
 * while a driver holds it, ``E2BIG`` for more than its VRAM). Reading the
 * file returns the results of the last run that succeeded as ``key value``
 * lines (nothing before the first run). ``tests/uapi/tgem_bench.c`` drives
 * it and prints the tables.
 *
 * The benchmark asks how close tgem's move path comes to the speed of the
 * memory itself. Each step is timed with ktime_get_ns() around the
 * operation alone; setup and checks are not timed. Steps 1 and 2 first do
 * the timed operations once untimed, so that neither side pays for a
 * first use the other side does not (cold caches and TLBs, and in a VM
 * the host faulting in guest memory on first touch).
 *
 *  1. **tgem's move path, in samples.** A VRAM|SYSTEM BO of the given
 *     size is moved to system memory and filled with a pattern through
 *     short-term mappings. Then each of %TGEM_BENCH_SAMPLES samples (after
 *     one untimed) moves it into VRAM with tgem_bo_migrate()
 *     (``tgem_sys_to_vram``) and back (``tgem_vram_to_sys``): everything a
 *     MIGRATE ioctl does after its argument checks, that is the dma_resv
 *     lock, TTM's validate, the allocation of the new resource (VRAM
 *     blocks, or system pages, not zeroed) and tgem_move()'s copy. Next to
 *     each move, before it in odd samples and after it in even ones, the
 *     plain copy of the same size between the same kinds of memory
 *     (``base_*``, see step 2 for the primitives): from the pages of a
 *     system BO into a CONTIGUOUS VRAM BO, and from that BO into the fresh,
 *     not zeroed pages of a new system BO, as fresh as the move's own
 *     destination. The pattern is checked after the last sample.
 *
 *     **Samples.** Each run reports each side's fastest sample, and the
 *     ratio of the two (``ratio_sys_to_vram``, ``ratio_vram_to_fresh``);
 *     the median of the samples' own ratios is reported beside them. Under
 *     TCG the same copy of the same bytes between the same addresses takes
 *     from 40 ms to 990 ms for 64 MiB from one sample to the next, and
 *     what slows it only ever adds time: a busy host, and the emulator's
 *     software TLB, which is direct-mapped and resized as the guest runs,
 *     so that while its size makes a source and a destination page share
 *     an entry, every other access of the copy misses. To show the second,
 *     each sample also copies into VRAM one page further on
 *     (``shift_to_vram_ns``), and a CPU probe, a fixed loop that touches
 *     no memory, runs before and after each sample (``probe_ns``): it
 *     slows down with the host's load, not with the TLB.
 *
 *     **The baseline into VRAM** is the faster of the two plain copies,
 *     at the same VRAM offset and one page further on
 *     (``plain_to_vram_ns``). A run's plain copy can alias in that TLB
 *     for all its samples (one run measured 235 ms at the offset and 39
 *     ms a page on, five samples out of five), and a ratio against such a
 *     baseline says nothing about tgem. tgem's move gets no second
 *     placement, so taking the faster baseline can only lower the ratio.
 *
 *     **Parts.** The run's device gets a copy of tgem's &ttm_device_funcs
 *     whose move, populate and unpopulate add their time to counters
 *     (&struct tgem_bench_hooks), so each sample also says how much of the
 *     whole move went to tgem_move() and, within it, to freeing the old
 *     system pages (into VRAM) or populating the new ones (out of it);
 *     the rest is TTM's bookkeeping and the resource allocation.
 *  2. **The baseline.** The same number of bytes copied between the same
 *     kinds of memory: the pages of a populated system BO (TTM pool pages,
 *     as in the move) and one linear io_mapping_map_wc() of a CONTIGUOUS
 *     VRAM-only BO, with the copy primitive tgem's move uses in that
 *     direction: memcpy_toio() into VRAM (``memcpy_toio``) and
 *     drm_memcpy_from_wc() back (``memcpy_fromio``; streaming loads where
 *     the CPU has them, memcpy_fromio() otherwise). One call per physically
 *     contiguous run of system pages (at most 1 MiB, so the CPU can
 *     reschedule), through the direct map: no allocation and no per-page
 *     mapping. Right after, on exactly the same two ranges, tgem's page
 *     iterators copy the same bytes with tgem_page_copy() (``iter_*``):
 *     the move's copy loop without TTM's allocation and freeing, and
 *     without any difference in where the memory sits. Both BOs are locked
 *     together with drm_exec for the whole step, so neither can move and
 *     nothing needs a pin.
 *
 *     Then the parts of a move out of VRAM that the move adds to its copy:
 *     populating a fresh system BO of the same size, as the move populates
 *     its destination (TTM does not zero it: the copy overwrites every
 *     byte; ``alloc_sys``), the same with zeroing (``alloc_sys_zero``, what
 *     a new BO pays), the copy loop from VRAM into those never-touched
 *     pages (``iter_vram_to_fresh``), and the plain copy into other fresh
 *     pages (``memcpy_vram_to_fresh``). These are single timings, exposed
 *     to the noise that step 1's samples work around.
 *  3. **Eviction.** 1,000 one-page VRAM|SYSTEM BOs are created in VRAM,
 *     then ttm_resource_manager_evict_all() empties the VRAM manager of the
 *     benchmark's own device. Reported: the total time, the time per BO,
 *     and the number of moves tgem made meanwhile (the
 *     &tgem_device.mem.moves delta), which should be exactly 1,000.
 *
 * ``cpu_erms``, ``cpu_fsrm`` and ``cpu_rep_good`` report the CPU features
 * that pick the kernel's memcpy(), memset() and clear_page() variants
 * (``rep movsb``/``rep stosb`` with ERMS or FSRM), so that make bench can
 * refuse a CPU model on which the two sides of a ratio may not run the
 * same instructions.
 *
 * MiB/s is the size over the time. ``ratio_*`` is tgem's MiB/s over the
 * baseline's for the same direction, with three decimals: 1.000 means the
 * move path costs nothing over the copy itself.
 *
 * Runs are serialised by a mutex (&tgem_bench.lock), which is taken before
 * any dma_resv of the benchmark's device and never under one. A fatal
 * signal stops a run between steps or inside a move; everything a run
 * allocates, the device included, is freed before the write returns.
 */

#include <linux/debugfs.h>
#include <linux/io-mapping.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <drm/drm_cache.h>
#include <drm/drm_exec.h>
#include <drm/drm_print.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>
#include <drm/ttm/ttm_resource.h>
#include <drm/ttm/ttm_tt.h>
#include <uapi/drm/tgem_drm.h>

#ifdef CONFIG_X86
#include <asm/cpufeature.h>
#endif

#include "gem/tgem_bo.h"
#include "gem/tgem_device.h"
#include "ttm/tgem_iter.h"
#include "ttm/tgem_kmap.h"
#include "ttm/tgem_vram_mgr.h"

#define TGEM_BENCH_EVICT_BOS	1000
/* Interleaved samples of the whole move per run; see "Samples". */
#define TGEM_BENCH_SAMPLES	5
/* Rounds of the CPU probe: a few milliseconds under TCG. */
#define TGEM_BENCH_PROBE_ROUNDS	BIT(20)
#define TGEM_BENCH_SEED		0x7e6eb001u
#define TGEM_BENCH_BOTH		(DRM_TGEM_PLACEMENT_VRAM | DRM_TGEM_PLACEMENT_SYSTEM)

/* QEMU's ivshmem-plain device; its BAR 2 is the shared RAM. */
#define TGEM_BENCH_IVSHMEM_DEVICE	0x1110
#define TGEM_BENCH_IVSHMEM_BAR		2

/**
 * struct tgem_bench_sample - One interleaved sample of the whole move
 *
 * Times in ns. The parts come from the timing hooks on the benchmark's
 * own device (see "Samples"); each move's whole time contains them.
 */
struct tgem_bench_sample {
	/** @probe_ns: the CPU probe, before and after the sample, summed */
	u64 probe_ns;
	/** @tgem_to_vram_ns: tgem_bo_migrate() from system memory to VRAM */
	u64 tgem_to_vram_ns;
	/** @base_to_vram_ns: the plain copy into VRAM, same size */
	u64 base_to_vram_ns;
	/** @shift_to_vram_ns: the same, into VRAM one page further on */
	u64 shift_to_vram_ns;
	/**
	 * @plain_to_vram_ns: the faster of @base_to_vram_ns and
	 * @shift_to_vram_ns, the baseline of the move into VRAM
	 */
	u64 plain_to_vram_ns;
	/** @tgem_to_sys_ns: tgem_bo_migrate() from VRAM to system memory */
	u64 tgem_to_sys_ns;
	/** @base_to_sys_ns: the plain copy from VRAM into fresh pages */
	u64 base_to_sys_ns;
	/** @to_vram_move_ns: tgem_move() within @tgem_to_vram_ns */
	u64 to_vram_move_ns;
	/** @to_vram_free_ns: freeing the old system pages, within it */
	u64 to_vram_free_ns;
	/** @to_sys_move_ns: tgem_move() within @tgem_to_sys_ns */
	u64 to_sys_move_ns;
	/** @to_sys_populate_ns: populating the new system pages, within it */
	u64 to_sys_populate_ns;
};

/**
 * struct tgem_bench_result - What one run of the move benchmark measured
 */
struct tgem_bench_result {
	/** @samples: the interleaved samples of the whole move */
	struct tgem_bench_sample samples[TGEM_BENCH_SAMPLES];
	/** @nsamples: how many of @samples hold results */
	unsigned int nsamples;
	/** @size: bytes moved or copied in each direction */
	u64 size;
	/** @memcpy_toio_ns: memcpy_toio() from system memory into VRAM */
	u64 memcpy_toio_ns;
	/** @memcpy_fromio_ns: memcpy_fromio() from VRAM into system memory */
	u64 memcpy_fromio_ns;
	/** @iter_to_vram_ns: tgem_page_copy(), same memory as @memcpy_toio_ns */
	u64 iter_to_vram_ns;
	/** @iter_to_sys_ns: tgem_page_copy(), same memory as @memcpy_fromio_ns */
	u64 iter_to_sys_ns;
	/** @alloc_sys_ns: populating system pages for @size, not zeroed */
	u64 alloc_sys_ns;
	/** @alloc_sys_zero_ns: populating system pages for @size, zeroed */
	u64 alloc_sys_zero_ns;
	/** @iter_to_fresh_ns: tgem_page_copy() from VRAM into fresh pages */
	u64 iter_to_fresh_ns;
	/** @memcpy_to_fresh_ns: the plain copy from VRAM into fresh pages */
	u64 memcpy_to_fresh_ns;
	/** @evict_bos: how many one-page BOs were evicted */
	u64 evict_bos;
	/** @evict_ns: ttm_resource_manager_evict_all() on VRAM */
	u64 evict_ns;
	/** @evict_moves: moves tgem made during the eviction */
	u64 evict_moves;
};

/**
 * struct tgem_bench - The module's state
 */
struct tgem_bench {
	/**
	 * @lock: serialises runs; protects @last and @valid. Taken before
	 * any dma_resv, never under one.
	 */
	struct mutex lock;
	/** @last: results of the last run that succeeded; under @lock */
	struct tgem_bench_result last;
	/** @valid: whether @last holds results; under @lock */
	bool valid;
	/** @dir: the debugfs directory */
	struct dentry *dir;
};

static struct tgem_bench tgem_bench = {
	.lock = __MUTEX_INITIALIZER(tgem_bench.lock),
};

/**
 * struct tgem_bench_hooks - Timing hooks on the benchmark's own device
 *
 * The run's device gets a copy of tgem's &ttm_device_funcs in which three
 * entries are wrapped: each calls tgem's own function and adds the time
 * it took to a counter. The move path stays tgem's; the hooks add two
 * ktime_get_ns() calls to each of these steps.
 */
struct tgem_bench_hooks {
	/** @funcs: the wrapped copy of @orig; set up under &tgem_bench.lock */
	struct ttm_device_funcs funcs;
	/** @orig: tgem's own functions; under &tgem_bench.lock */
	const struct ttm_device_funcs *orig;
	/** @move_ns: time in tgem_move(); under &tgem_bench.lock */
	u64 move_ns;
	/** @populate_ns: time populating system pages; under &tgem_bench.lock */
	u64 populate_ns;
	/** @unpopulate_ns: time freeing them; under &tgem_bench.lock */
	u64 unpopulate_ns;
};

/* Only a run, under tgem_bench.lock, uses the device these hook. */
static struct tgem_bench_hooks tgem_bench_hooks;

static int tgem_bench_hook_move(struct ttm_buffer_object *bo, bool evict,
				struct ttm_operation_ctx *ctx,
				struct ttm_resource *new_mem,
				struct ttm_place *hop)
{
	u64 t0 = ktime_get_ns();
	int ret = tgem_bench_hooks.orig->move(bo, evict, ctx, new_mem, hop);

	tgem_bench_hooks.move_ns += ktime_get_ns() - t0;
	return ret;
}

static int tgem_bench_hook_populate(struct ttm_device *bdev, struct ttm_tt *tt,
				    struct ttm_operation_ctx *ctx)
{
	u64 t0 = ktime_get_ns();
	int ret = tgem_bench_hooks.orig->ttm_tt_populate(bdev, tt, ctx);

	tgem_bench_hooks.populate_ns += ktime_get_ns() - t0;
	return ret;
}

static void tgem_bench_hook_unpopulate(struct ttm_device *bdev,
				       struct ttm_tt *tt)
{
	u64 t0 = ktime_get_ns();

	tgem_bench_hooks.orig->ttm_tt_unpopulate(bdev, tt);
	tgem_bench_hooks.unpopulate_ns += ktime_get_ns() - t0;
}

/* Put the hooks on a device no BO exists on yet. */
static void tgem_bench_hooks_install(struct tgem_device *tdev)
{
	struct tgem_bench_hooks *h = &tgem_bench_hooks;

	lockdep_assert_held(&tgem_bench.lock);
	h->orig = tdev->ttm.funcs;
	h->funcs = *h->orig;
	h->funcs.move = tgem_bench_hook_move;
	h->funcs.ttm_tt_populate = tgem_bench_hook_populate;
	h->funcs.ttm_tt_unpopulate = tgem_bench_hook_unpopulate;
	tdev->ttm.funcs = &h->funcs;
}

static void tgem_bench_hooks_reset(void)
{
	tgem_bench_hooks.move_ns = 0;
	tgem_bench_hooks.populate_ns = 0;
	tgem_bench_hooks.unpopulate_ns = 0;
}

/**
 * struct tgem_bench_dev - The device one run owns
 */
struct tgem_bench_dev {
	/** @pdev: the ivshmem device, referenced, enabled, BAR requested */
	struct pci_dev *pdev;
	/** @parent: the platform device @tdev hangs on; its devres owns @tdev */
	struct platform_device *parent;
	/** @tdev: the benchmark's own tgem device, never registered */
	struct tgem_device *tdev;
};

/*
 * Take the ivshmem BAR for a device of our own. Refuses while any driver
 * is bound to it; and if one binds after the check, one of the two
 * requests for the BAR fails, so nobody else's memory is ever used.
 */
static int tgem_bench_dev_create(struct tgem_bench_dev *b)
{
	struct tgem_vram_desc vram;
	struct pci_dev *pdev;
	int ret;

	pdev = pci_get_device(PCI_VENDOR_ID_REDHAT_QUMRANET,
			      TGEM_BENCH_IVSHMEM_DEVICE, NULL);
	if (!pdev)
		return -ENODEV;
	if (READ_ONCE(pdev->dev.driver)) {
		ret = -EBUSY;
		goto out_put;
	}
	if (!(pci_resource_flags(pdev, TGEM_BENCH_IVSHMEM_BAR) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, TGEM_BENCH_IVSHMEM_BAR) < PAGE_SIZE) {
		ret = -ENODEV;
		goto out_put;
	}

	ret = pci_enable_device(pdev);
	if (ret)
		goto out_put;
	ret = pci_request_region(pdev, TGEM_BENCH_IVSHMEM_BAR, "tgem_bench");
	if (ret)
		goto out_disable;

	b->parent = platform_device_register_simple("tgem-bench", PLATFORM_DEVID_NONE,
						    NULL, 0);
	if (IS_ERR(b->parent)) {
		ret = PTR_ERR(b->parent);
		goto out_release;
	}

	vram.base = pci_resource_start(pdev, TGEM_BENCH_IVSHMEM_BAR);
	vram.size = pci_resource_len(pdev, TGEM_BENCH_IVSHMEM_BAR);
	b->tdev = tgem_device_create(&b->parent->dev, &vram);
	if (IS_ERR(b->tdev)) {
		ret = PTR_ERR(b->tdev);
		goto out_unregister;
	}
	b->pdev = pdev;
	return 0;

out_unregister:
	platform_device_unregister(b->parent);
out_release:
	pci_release_region(pdev, TGEM_BENCH_IVSHMEM_BAR);
out_disable:
	pci_disable_device(pdev);
out_put:
	pci_dev_put(pdev);
	return ret;
}

/*
 * Unregistering the parent releases its devres, which drops the last
 * reference to the DRM device (nothing else holds one: it was never
 * registered) and so tears down TTM before the BAR is given back.
 */
static void tgem_bench_dev_destroy(struct tgem_bench_dev *b)
{
	if (tgem_bench_hooks.orig)
		b->tdev->ttm.funcs = tgem_bench_hooks.orig;
	tgem_bench_hooks.orig = NULL;
	platform_device_unregister(b->parent);
	pci_release_region(b->pdev, TGEM_BENCH_IVSHMEM_BAR);
	pci_disable_device(b->pdev);
	pci_dev_put(b->pdev);
}

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
		tgem_bo_kunmap_local(bo, &map);
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}

	ttm_bo_unreserve(&bo->ttm);
	return ret;
}

/*
 * The CPU probe: a fixed amount of work that touches no memory. Under TCG
 * guest time is host time, so when the host gives the VM's CPU thread less
 * of a core, the probe takes longer, as does everything else.
 */
static u64 tgem_bench_probe(void)
{
	u64 x = TGEM_BENCH_SEED, t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < TGEM_BENCH_PROBE_ROUNDS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	barrier_data(&x);
	return ktime_get_ns() - t0;
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
 * mapping of VRAM, one memcpy_toio()/drm_memcpy_from_wc() call per
 * physically contiguous run of at most 1 MiB, through the direct map: the
 * primitives tgem_page_copy() uses, without any per-page mapping.
 */
static void tgem_bench_plain_copy(void __iomem *vram, struct page **pages,
				  pgoff_t num_pages, bool to_vram)
{
	const pgoff_t chunk = SZ_1M >> PAGE_SHIFT;
	pgoff_t i, n;

	for (i = 0; i < num_pages; i += n) {
		n = tgem_bench_run(pages, i, min(chunk, num_pages - i));
		if (to_vram) {
			memcpy_toio(vram + (i << PAGE_SHIFT), page_address(pages[i]),
				    n << PAGE_SHIFT);
		} else {
			struct iosys_map d = IOSYS_MAP_INIT_VADDR(page_address(pages[i]));
			struct iosys_map s = IOSYS_MAP_INIT_VADDR_IOMEM(vram + (i << PAGE_SHIFT));

			drm_memcpy_from_wc(&d, &s, n << PAGE_SHIFT);
		}
		cond_resched();
	}
}

/* The timed copies of step 2, with both BOs locked. */
/*
 * Populate @fresh's pages as a move out of VRAM populates its destination
 * (@zero false: not zeroed) or as a new BO's are (@zero true), timed.
 */
static int tgem_bench_populate_locked(struct tgem_bo *fresh, bool zero,
				      u64 *ns)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct ttm_tt *tt = fresh->ttm.ttm;
	u32 zero_alloc;
	u64 t0;
	int ret;

	dma_resv_assert_held(fresh->ttm.base.resv);
	if (!tt || ttm_tt_is_populated(tt))
		return -EINVAL;

	/* Only this bit goes back: populating sets TTM's own flags. */
	zero_alloc = tt->page_flags & TTM_TT_FLAG_ZERO_ALLOC;
	if (zero)
		tt->page_flags |= TTM_TT_FLAG_ZERO_ALLOC;
	else
		tt->page_flags &= ~TTM_TT_FLAG_ZERO_ALLOC;
	t0 = ktime_get_ns();
	ret = ttm_tt_populate(fresh->ttm.bdev, tt, &ctx);
	*ns = ktime_get_ns() - t0;
	tt->page_flags = (tt->page_flags & ~TTM_TT_FLAG_ZERO_ALLOC) | zero_alloc;
	return ret;
}

static int tgem_bench_memcpy_locked(struct tgem_device *tdev,
				    struct tgem_bo *sys, struct tgem_bo *bo,
				    struct tgem_bo *fresh[3],
				    struct tgem_bench_result *res)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	pgoff_t num_pages = PFN_UP(bo->ttm.base.size);
	struct tgem_vram_resource *vres;
	struct tgem_page_iter_vram vi;
	struct tgem_page_iter_tt tt;
	void __iomem *vram;
	struct page **pages;
	u64 t0, t1, t2;
	int ret;

	dma_resv_assert_held(sys->ttm.base.resv);
	dma_resv_assert_held(bo->ttm.base.resv);

	/* Filled before, but it may have been swapped out since. */
	if (!sys->ttm.ttm || sys->ttm.resource->mem_type != TTM_PL_SYSTEM)
		return -EINVAL;
	ret = ttm_tt_populate(sys->ttm.bdev, sys->ttm.ttm, &ctx);
	if (ret)
		return ret;
	pages = sys->ttm.ttm->pages;

	vres = to_tgem_vram_resource(bo->ttm.resource);
	if (drm_WARN_ON(&tdev->drm, bo->ttm.resource->mem_type != TTM_PL_VRAM ||
			!vres->contiguous))
		return -EINVAL;
	vram = io_mapping_map_wc(&tdev->vram.iomap,
				 (u64)bo->ttm.resource->start << PAGE_SHIFT,
				 num_pages << PAGE_SHIFT);
	if (!vram)
		return -ENOMEM;

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

	/* What a move out of VRAM adds: its destination pages, fresh. */
	ret = tgem_bench_populate_locked(fresh[0], false, &res->alloc_sys_ns) ?:
	      tgem_bench_populate_locked(fresh[1], true, &res->alloc_sys_zero_ns) ?:
	      tgem_bench_populate_locked(fresh[2], false, &t2);
	if (ret)
		goto out_unmap;
	tgem_page_iter_tt_init(&tt, fresh[0]->ttm.ttm->pages);
	tgem_page_iter_vram_init(&vi, &tdev->vram.iomap, &tdev->vram.mgr.mm,
				 &vres->blocks);
	t0 = ktime_get_ns();
	tgem_page_copy(&tt.base, &vi.base, num_pages);
	t1 = ktime_get_ns();
	tgem_bench_plain_copy(vram, fresh[2]->ttm.ttm->pages, num_pages, false);
	res->memcpy_to_fresh_ns = ktime_get_ns() - t1;
	res->iter_to_fresh_ns = t1 - t0;
out_unmap:
	io_mapping_unmap(vram);
	return ret;
}

/*
 * The baseline of one sample: the plain copy between @sys's pages and
 * @vbo's linear WC mapping, @to_vram or back. Out of VRAM, @sys is a new
 * BO whose pages are populated here, not zeroed and untimed, as fresh as
 * a move's destination.
 */
static int tgem_bench_base_copy(struct tgem_device *tdev, struct tgem_bo *sys,
				struct tgem_bo *vbo, bool to_vram, pgoff_t shift,
				u64 *ns)
{
	struct ttm_operation_ctx ctx = { .interruptible = true };
	pgoff_t num_pages = PFN_UP(sys->ttm.base.size);
	struct drm_exec exec;
	void __iomem *vram;
	u64 t0;
	int ret;

	drm_exec_init(&exec, DRM_EXEC_INTERRUPTIBLE_WAIT, 2);
	drm_exec_until_all_locked(&exec) {
		ret = drm_exec_lock_obj(&exec, &sys->ttm.base);
		drm_exec_retry_on_contention(&exec);
		if (ret)
			break;
		ret = drm_exec_lock_obj(&exec, &vbo->ttm.base);
		drm_exec_retry_on_contention(&exec);
		if (ret)
			break;
	}
	if (ret)
		goto out_fini;

	if (!sys->ttm.ttm || sys->ttm.resource->mem_type != TTM_PL_SYSTEM ||
	    vbo->ttm.resource->mem_type != TTM_PL_VRAM ||
	    !to_tgem_vram_resource(vbo->ttm.resource)->contiguous) {
		ret = -EINVAL;
		goto out_fini;
	}
	if (to_vram)
		ret = ttm_tt_populate(sys->ttm.bdev, sys->ttm.ttm, &ctx);
	else
		ret = tgem_bench_populate_locked(sys, false, &t0);
	if (ret)
		goto out_fini;

	if (num_pages + shift > PFN_UP(vbo->ttm.base.size)) {
		ret = -EINVAL;
		goto out_fini;
	}
	vram = io_mapping_map_wc(&tdev->vram.iomap,
				 (u64)(vbo->ttm.resource->start + shift) << PAGE_SHIFT,
				 num_pages << PAGE_SHIFT);
	if (!vram) {
		ret = -ENOMEM;
		goto out_fini;
	}
	t0 = ktime_get_ns();
	tgem_bench_plain_copy(vram, sys->ttm.ttm->pages, num_pages, to_vram);
	*ns = ktime_get_ns() - t0;
	io_mapping_unmap(vram);
out_fini:
	drm_exec_fini(&exec);
	return ret;
}

/* tgem_bo_migrate() of @bo to @region, timed, with its parts. */
static int tgem_bench_migrate(struct tgem_bo *bo, u32 region, u64 *ns)
{
	u64 t0;
	int ret;

	tgem_bench_hooks_reset();
	t0 = ktime_get_ns();
	ret = tgem_bo_migrate(bo, region);
	*ns = ktime_get_ns() - t0;
	if (!ret && !tgem_bench_hooks.move_ns)
		ret = -EIO;	/* no copy happened */
	return ret;
}

/*
 * One sample: the whole move and its baseline next to each other, each
 * direction, in the order @tgem_first says; the CPU probe before and
 * after.
 */
static int tgem_bench_sample(struct tgem_device *tdev, struct tgem_bo *bo,
			     struct tgem_bo *sys, struct tgem_bo *vbo,
			     bool tgem_first, struct tgem_bench_sample *s)
{
	struct tgem_bench_hooks *h = &tgem_bench_hooks;
	struct tgem_bo *fresh;
	int ret;

	s->probe_ns = tgem_bench_probe();

	if (!tgem_first) {
		ret = tgem_bench_base_copy(tdev, sys, vbo, true, 0, &s->base_to_vram_ns);
		if (ret)
			return ret;
	}
	ret = tgem_bench_migrate(bo, 1, &s->tgem_to_vram_ns);
	if (ret)
		return ret;
	s->to_vram_move_ns = h->move_ns;
	s->to_vram_free_ns = h->unpopulate_ns;
	if (tgem_first) {
		ret = tgem_bench_base_copy(tdev, sys, vbo, true, 0, &s->base_to_vram_ns);
		if (ret)
			return ret;
	}
	/* The same copy with the destination one page on: see "Samples". */
	ret = tgem_bench_base_copy(tdev, sys, vbo, true, 1, &s->shift_to_vram_ns);
	if (ret)
		return ret;
	s->plain_to_vram_ns = min(s->base_to_vram_ns, s->shift_to_vram_ns);

	fresh = tgem_bo_create(tdev, bo->ttm.base.size, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	if (IS_ERR(fresh))
		return PTR_ERR(fresh);
	if (!tgem_first) {
		ret = tgem_bench_base_copy(tdev, fresh, vbo, false, 0, &s->base_to_sys_ns);
		if (ret)
			goto out_put;
	}
	ret = tgem_bench_migrate(bo, 0, &s->tgem_to_sys_ns);
	if (ret)
		goto out_put;
	s->to_sys_move_ns = h->move_ns;
	s->to_sys_populate_ns = h->populate_ns;
	if (tgem_first)
		ret = tgem_bench_base_copy(tdev, fresh, vbo, false, 0, &s->base_to_sys_ns);
out_put:
	tgem_bo_put(fresh);
	s->probe_ns += tgem_bench_probe();
	return ret;
}

/*
 * Step 1: TGEM_BENCH_SAMPLES samples of tgem_bo_migrate() both ways on a
 * BO of @size bytes, each next to the plain copy of the same size, after
 * one sample untimed.
 */
static int tgem_bench_tgem_move(struct tgem_device *tdev, u64 size,
				struct tgem_bench_result *res)
{
	struct tgem_bench_sample warm;
	struct tgem_bo *bo, *sys, *vbo;
	unsigned int i;
	int ret;

	if (IS_ENABLED(CONFIG_HIGHMEM))
		return -EOPNOTSUPP;	/* the plain copy needs the direct map */

	bo = tgem_bo_create(tdev, size, TGEM_BENCH_BOTH, 0);
	if (IS_ERR(bo))
		return PTR_ERR(bo);
	sys = tgem_bo_create(tdev, size, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	if (IS_ERR(sys)) {
		ret = PTR_ERR(sys);
		goto out_put_bo;
	}
	/* One page more, for the shifted copy. */
	vbo = tgem_bo_create(tdev, size + PAGE_SIZE, DRM_TGEM_PLACEMENT_VRAM,
			     DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	if (IS_ERR(vbo)) {
		ret = PTR_ERR(vbo);
		goto out_put_sys;
	}

	/* Start in system memory, populated and filled, like @sys. */
	ret = tgem_bo_migrate(bo, 0) ?:
	      tgem_bench_bo_pattern(bo, false) ?:
	      tgem_bench_bo_pattern(sys, false) ?:
	      tgem_bench_sample(tdev, bo, sys, vbo, true, &warm);
	for (i = 0; !ret && i < TGEM_BENCH_SAMPLES; i++) {
		ret = tgem_bench_sample(tdev, bo, sys, vbo, !(i & 1),
					&res->samples[i]);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
	}
	if (ret)
		goto out_put_vbo;
	res->nsamples = i;

	/* The moves kept the bytes. */
	ret = tgem_bench_bo_pattern(bo, true);
out_put_vbo:
	tgem_bo_put(vbo);
out_put_sys:
	tgem_bo_put(sys);
out_put_bo:
	tgem_bo_put(bo);
	return ret;
}

/*
 * Step 2: the baseline copies between the same kinds of memory as the
 * move: the pages of a populated system BO (TTM pool pages, like the
 * move's) and a linear WC mapping of a CONTIGUOUS VRAM-only BO. Both BOs
 * are locked together, so their memory stays put without a pin.
 */
static int tgem_bench_memcpy(struct tgem_device *tdev, u64 size,
			     struct tgem_bench_result *res)
{
	struct tgem_bo *sys, *bo, *fresh[3] = {};
	struct drm_exec exec;
	int i, ret;

	if (IS_ENABLED(CONFIG_HIGHMEM))
		return -EOPNOTSUPP;	/* the plain copy needs the direct map */

	sys = tgem_bo_create(tdev, size, DRM_TGEM_PLACEMENT_SYSTEM, 0);
	if (IS_ERR(sys))
		return PTR_ERR(sys);
	ret = tgem_bench_bo_pattern(sys, false);
	if (ret)
		goto out_put_sys;

	bo = tgem_bo_create(tdev, size, DRM_TGEM_PLACEMENT_VRAM,
			    DRM_TGEM_GEM_CREATE_FLAG_CONTIGUOUS);
	if (IS_ERR(bo)) {
		ret = PTR_ERR(bo);
		goto out_put_sys;
	}
	for (i = 0; i < ARRAY_SIZE(fresh); i++) {
		fresh[i] = tgem_bo_create(tdev, size, DRM_TGEM_PLACEMENT_SYSTEM, 0);
		if (IS_ERR(fresh[i])) {
			ret = PTR_ERR(fresh[i]);
			fresh[i] = NULL;
			goto out_put_fresh;
		}
	}

	drm_exec_init(&exec, DRM_EXEC_INTERRUPTIBLE_WAIT, 5);
	drm_exec_until_all_locked(&exec) {
		ret = drm_exec_lock_obj(&exec, &sys->ttm.base);
		drm_exec_retry_on_contention(&exec);
		if (ret)
			break;
		ret = drm_exec_lock_obj(&exec, &bo->ttm.base);
		drm_exec_retry_on_contention(&exec);
		if (ret)
			break;
		for (i = 0; i < ARRAY_SIZE(fresh); i++) {
			ret = drm_exec_lock_obj(&exec, &fresh[i]->ttm.base);
			drm_exec_retry_on_contention(&exec);
			if (ret)
				break;
		}
		if (ret)
			break;
	}
	if (!ret)
		ret = tgem_bench_memcpy_locked(tdev, sys, bo, fresh, res);
	drm_exec_fini(&exec);

out_put_fresh:
	for (i = 0; i < ARRAY_SIZE(fresh); i++)
		if (fresh[i])
			tgem_bo_put(fresh[i]);
	tgem_bo_put(bo);
	if (!ret)
		ret = tgem_bench_bo_pattern(sys, true);
out_put_sys:
	tgem_bo_put(sys);
	return ret;
}

/* Step 3: evict TGEM_BENCH_EVICT_BOS one-page BOs from VRAM at once. */
static int tgem_bench_evict(struct tgem_device *tdev,
			    struct tgem_bench_result *res)
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

	/* Only this run's BOs live on this device: evicting all is fine. */
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

static int tgem_bench_run_locked(struct tgem_bench *bench, u64 size)
{
	struct tgem_bench_result res = { .size = size };
	struct tgem_bench_dev b;
	int ret;

	lockdep_assert_held(&bench->lock);

	ret = tgem_bench_dev_create(&b);
	if (ret)
		return ret;
	if (size > b.tdev->vram.size) {
		ret = -E2BIG;
		goto out_destroy;
	}
	tgem_bench_hooks_install(b.tdev);

	ret = tgem_bench_tgem_move(b.tdev, size, &res);
	if (ret)
		goto out_destroy;
	ret = tgem_bench_memcpy(b.tdev, size, &res);
	if (ret)
		goto out_destroy;
	ret = tgem_bench_evict(b.tdev, &res);
	if (ret)
		goto out_destroy;

	bench->last = res;
	bench->valid = true;
out_destroy:
	tgem_bench_dev_destroy(&b);
	return ret;
}

static ssize_t tgem_bench_move_write(struct file *file, const char __user *ubuf,
				     size_t len, loff_t *pos)
{
	struct tgem_bench *bench = ((struct seq_file *)file->private_data)->private;
	unsigned int mib;
	int ret;

	/* Before the lock: copying from userspace may fault. */
	ret = kstrtouint_from_user(ubuf, len, 10, &mib);
	if (ret)
		return ret;
	if (!mib)
		return -EINVAL;

	ret = mutex_lock_interruptible(&bench->lock);
	if (ret)
		return ret;
	ret = tgem_bench_run_locked(bench, (u64)mib * SZ_1M);
	mutex_unlock(&bench->lock);

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

static int tgem_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The smallest u64 at @off over the samples of @r (0 for none). */
static u64 tgem_bench_sample_min(const struct tgem_bench_result *r, size_t off)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < r->nsamples; i++) {
		u64 x = *(const u64 *)((const char *)&r->samples[i] + off);

		v = i ? min(v, x) : x;
	}
	return v;
}

#define SMIN(r, f) \
	tgem_bench_sample_min(r, offsetof(struct tgem_bench_sample, f))
#define SRATIO(r, t, b) \
	tgem_bench_ratio_median(r, offsetof(struct tgem_bench_sample, t), \
				offsetof(struct tgem_bench_sample, b))

/*
 * The median over the samples of @r of the ratio, in thousandths, of the
 * time at @base_off over the time at @tgem_off in the same sample.
 */
static u64 tgem_bench_ratio_median(const struct tgem_bench_result *r,
				   size_t tgem_off, size_t base_off)
{
	u64 v[TGEM_BENCH_SAMPLES];
	unsigned int i, n = r->nsamples;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		const char *s = (const char *)&r->samples[i];

		v[i] = tgem_bench_ratio_milli(*(const u64 *)(s + tgem_off),
					      *(const u64 *)(s + base_off));
	}
	sort(v, n, sizeof(*v), tgem_bench_cmp_u64, NULL);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void tgem_bench_show_milli(struct seq_file *m, const char *name,
				  u64 ratio)
{
	seq_printf(m, "%s %llu.%03llu\n", name, ratio / 1000, ratio % 1000);
}

static int tgem_bench_move_show(struct seq_file *m, void *data)
{
	struct tgem_bench *bench = m->private;
	struct tgem_bench_result r;
	unsigned int i;
	bool valid;
	int ret;

	ret = mutex_lock_interruptible(&bench->lock);
	if (ret)
		return ret;
	r = bench->last;
	valid = bench->valid;
	mutex_unlock(&bench->lock);
	if (!valid)
		return 0;

	seq_printf(m, "size_mib %llu\n", r.size >> 20);
	seq_printf(m, "samples %u\n", r.nsamples);
	/* Each side's best sample; see "Samples" for why. */
	tgem_bench_show_time(m, "tgem_sys_to_vram", r.size, SMIN(&r, tgem_to_vram_ns));
	tgem_bench_show_time(m, "tgem_vram_to_sys", r.size, SMIN(&r, tgem_to_sys_ns));
	tgem_bench_show_time(m, "base_sys_to_vram", r.size, SMIN(&r, plain_to_vram_ns));
	tgem_bench_show_time(m, "base_vram_to_sys", r.size, SMIN(&r, base_to_sys_ns));
	tgem_bench_show_time(m, "memcpy_toio", r.size, r.memcpy_toio_ns);
	tgem_bench_show_time(m, "memcpy_fromio", r.size, r.memcpy_fromio_ns);
	tgem_bench_show_ratio(m, "ratio_sys_to_vram", SMIN(&r, tgem_to_vram_ns),
			      SMIN(&r, plain_to_vram_ns));
	tgem_bench_show_ratio(m, "ratio_vram_to_fresh", SMIN(&r, tgem_to_sys_ns),
			      SMIN(&r, base_to_sys_ns));
	tgem_bench_show_milli(m, "ratio_sys_to_vram_sample_median",
			      SRATIO(&r, tgem_to_vram_ns, plain_to_vram_ns));
	tgem_bench_show_milli(m, "ratio_vram_to_fresh_sample_median",
			      SRATIO(&r, tgem_to_sys_ns, base_to_sys_ns));
	tgem_bench_show_ratio(m, "ratio_vram_to_sys", SMIN(&r, tgem_to_sys_ns),
			      r.memcpy_fromio_ns);
	seq_printf(m, "part_to_vram_move_ns %llu\n", SMIN(&r, to_vram_move_ns));
	seq_printf(m, "part_to_vram_free_ns %llu\n", SMIN(&r, to_vram_free_ns));
	seq_printf(m, "part_to_sys_move_ns %llu\n", SMIN(&r, to_sys_move_ns));
	seq_printf(m, "part_to_sys_populate_ns %llu\n", SMIN(&r, to_sys_populate_ns));
	for (i = 0; i < r.nsamples; i++) {
		const struct tgem_bench_sample *s = &r.samples[i];

		seq_printf(m, "sample %u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
			   i, s->probe_ns, s->tgem_to_vram_ns, s->base_to_vram_ns,
			   s->tgem_to_sys_ns, s->base_to_sys_ns,
			   s->to_vram_move_ns, s->to_vram_free_ns,
			   s->to_sys_move_ns, s->to_sys_populate_ns,
			   s->shift_to_vram_ns);
	}
	tgem_bench_show_time(m, "iter_sys_to_vram", r.size, r.iter_to_vram_ns);
	tgem_bench_show_time(m, "iter_vram_to_sys", r.size, r.iter_to_sys_ns);
	tgem_bench_show_ratio(m, "ratio_iter_sys_to_vram", r.iter_to_vram_ns,
			      r.memcpy_toio_ns);
	tgem_bench_show_ratio(m, "ratio_iter_vram_to_sys", r.iter_to_sys_ns,
			      r.memcpy_fromio_ns);
	tgem_bench_show_time(m, "alloc_sys", r.size, r.alloc_sys_ns);
	tgem_bench_show_time(m, "alloc_sys_zero", r.size, r.alloc_sys_zero_ns);
	tgem_bench_show_time(m, "iter_vram_to_fresh", r.size, r.iter_to_fresh_ns);
	tgem_bench_show_time(m, "memcpy_vram_to_fresh", r.size, r.memcpy_to_fresh_ns);
#ifdef CONFIG_X86
	seq_printf(m, "cpu_erms %d\n", boot_cpu_has(X86_FEATURE_ERMS));
	seq_printf(m, "cpu_fsrm %d\n", boot_cpu_has(X86_FEATURE_FSRM));
	seq_printf(m, "cpu_rep_good %d\n", boot_cpu_has(X86_FEATURE_REP_GOOD));
#endif
	seq_printf(m, "evict_bos %llu\n", r.evict_bos);
	seq_printf(m, "evict_ns %llu\n", r.evict_ns);
	seq_printf(m, "evict_ns_per_bo %llu\n",
		   div64_u64(r.evict_ns, max_t(u64, r.evict_bos, 1)));
	seq_printf(m, "evict_moves %llu\n", r.evict_moves);
	return 0;
}

DEFINE_SHOW_STORE_ATTRIBUTE(tgem_bench_move);

static int __init tgem_bench_init(void)
{
	tgem_bench.dir = debugfs_create_dir("tgem_bench", NULL);
	debugfs_create_file("move", 0600, tgem_bench.dir, &tgem_bench,
			    &tgem_bench_move_fops);
	return 0;
}

/* debugfs_remove_recursive() waits for a run in progress to return. */
static void __exit tgem_bench_exit(void)
{
	debugfs_remove_recursive(tgem_bench.dir);
}

module_init(tgem_bench_init);
module_exit(tgem_bench_exit);

MODULE_DESCRIPTION("tgem's move benchmark, on a device of its own (test only)");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
