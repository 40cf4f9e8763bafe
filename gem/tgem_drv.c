// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Driver and device
 *
 * Loading the module registers a PCI driver for the QEMU ``ivshmem-plain``
 * device (vendor 0x1af4, device 0x1110): its memory BAR (BAR 2) becomes
 * tgem's VRAM, so VRAM is real iomem with real write-combining. If no such
 * device gets bound, the module makes a platform device named "tgem"
 * instead, the way vgem makes a device without hardware, and that device
 * has system memory only. Either probe creates a &struct tgem_device with
 * a render node and registers it.
 *
 * Everything the device owns is released by devm and drmm actions, in
 * reverse order of creation: the platform device going away unplugs the
 * DRM device, and the last reference to it (the last open file, dma-buf
 * or mapping) tears down TTM. The module cannot be removed while a file,
 * dma-buf or mapping still refers to it.
 */

#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <kunit/visibility.h>
#include <uapi/drm/tgem_drm.h>

#include "engine/tgem_context.h"
#include "engine/tgem_sched.h"
#include "execbuf/tgem_execbuf.h"
#include "gem/tgem_device.h"
#include "gem/tgem_drv.h"
#include "gem/tgem_file.h"
#include "gem/tgem_ioctl.h"
#include "gem/tgem_mmap.h"
#include "gem/tgem_prime.h"
#include "ttm/tgem_ttm.h"
#include "userptr/tgem_userptr.h"

static const struct drm_ioctl_desc tgem_ioctls[] = {
	DRM_IOCTL_DEF_DRV(TGEM_DEVICE_QUERY, tgem_device_query_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_GEM_CREATE, tgem_gem_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_GEM_MMAP_OFFSET, tgem_gem_mmap_offset_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_GEM_WAIT, tgem_gem_wait_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_GEM_MIGRATE, tgem_gem_migrate_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_GEM_INFO, tgem_gem_info_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_CONTEXT_CREATE, tgem_context_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_CONTEXT_DESTROY, tgem_context_destroy_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_EXECBUF, tgem_execbuf_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TGEM_GEM_USERPTR, tgem_gem_userptr_ioctl,
			  DRM_RENDER_ALLOW),
};

static const struct file_operations tgem_fops = {
	.owner = THIS_MODULE,
	DRM_GEM_FOPS,
	.get_unmapped_area = tgem_mmap_get_unmapped_area,
};

static const struct drm_driver tgem_driver = {
	.driver_features = DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ |
			   DRIVER_SYNCOBJ_TIMELINE,
	.open = tgem_file_open,
	.postclose = tgem_file_postclose,
	.gem_prime_import_sg_table = tgem_prime_import_sg_table,
	.ioctls = tgem_ioctls,
	.num_ioctls = ARRAY_SIZE(tgem_ioctls),
	.fops = &tgem_fops,
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
	.date = DRIVER_DATE,
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
	.patchlevel = DRIVER_PATCHLEVEL,
};

/**
 * tgem_device_create() - Create a tgem device, not yet registered
 * @parent: the device to hang it on; its devres owns the new device
 * @vram: where its VRAM is, or NULL for a device with system memory only.
 *        The caller owns the memory region (has requested it).
 *
 * The caller registers it with drm_dev_register() when it is ready for
 * userspace. KUnit suites use it unregistered.
 *
 * Context: Process context; may sleep.
 * Return: the device, or an ERR_PTR(). On failure devm and drmm have
 * already undone everything.
 */
struct tgem_device *tgem_device_create(struct device *parent,
				       const struct tgem_vram_desc *vram)
{
	struct tgem_device *tdev;
	int ret;

	ret = dma_coerce_mask_and_coherent(parent, DMA_BIT_MASK(64));
	if (ret)
		return ERR_PTR(ret);

	tdev = devm_drm_dev_alloc(parent, &tgem_driver, struct tgem_device, drm);
	if (IS_ERR(tdev))
		return tdev;

	ret = tgem_ttm_init(tdev);
	if (ret)
		return ERR_PTR(ret);

	ret = tgem_userptr_device_init(tdev);
	if (ret)
		return ERR_PTR(ret);

	if (vram) {
		ret = tgem_ttm_vram_init(tdev, vram->base, vram->size);
		if (ret)
			return ERR_PTR(ret);
	}

	ret = tgem_sched_init(tdev);
	if (ret)
		return ERR_PTR(ret);

	tgem_mmap_debugfs_init(tdev);
	tgem_execbuf_debugfs_init(tdev);
	return tdev;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_device_create);

static int tgem_platform_probe(struct platform_device *pdev)
{
	struct tgem_device *tdev;
	int ret;

	tdev = tgem_device_create(&pdev->dev, NULL);
	if (IS_ERR(tdev))
		return PTR_ERR(tdev);

	ret = drm_dev_register(&tdev->drm, 0);
	if (ret)
		return ret;

	platform_set_drvdata(pdev, tdev);
	return 0;
}

static void tgem_platform_remove(struct platform_device *pdev)
{
	struct tgem_device *tdev = platform_get_drvdata(pdev);

	drm_dev_unplug(&tdev->drm);
}

static struct platform_driver tgem_platform_driver = {
	.probe = tgem_platform_probe,
	.remove = tgem_platform_remove,
	.driver = {
		.name = DRIVER_NAME,
		/*
		 * tgem_init() looks at the fallback device's drvdata right
		 * after registering it, so its probe must have run by then,
		 * even when asynchronous probing is asked for (the
		 * async_probe module parameter, driver_async_probe=).
		 */
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
	},
};

/* BAR 2 of ivshmem-plain is its shared memory; BAR 0 holds registers. */
#define TGEM_IVSHMEM_VRAM_BAR 2

static atomic_t tgem_pci_bound = ATOMIC_INIT(0);

static int tgem_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct tgem_vram_desc vram;
	struct tgem_device *tdev;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	if (!(pci_resource_flags(pdev, TGEM_IVSHMEM_VRAM_BAR) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, TGEM_IVSHMEM_VRAM_BAR) < PAGE_SIZE)
		return -ENODEV;

	ret = pcim_request_region(pdev, TGEM_IVSHMEM_VRAM_BAR, DRIVER_NAME);
	if (ret)
		return ret;

	vram.base = pci_resource_start(pdev, TGEM_IVSHMEM_VRAM_BAR);
	vram.size = pci_resource_len(pdev, TGEM_IVSHMEM_VRAM_BAR);
	tdev = tgem_device_create(&pdev->dev, &vram);
	if (IS_ERR(tdev))
		return PTR_ERR(tdev);

	ret = drm_dev_register(&tdev->drm, 0);
	if (ret)
		return ret;

	pci_set_drvdata(pdev, tdev);
	atomic_inc(&tgem_pci_bound);
	return 0;
}

static void tgem_pci_remove(struct pci_dev *pdev)
{
	struct tgem_device *tdev = pci_get_drvdata(pdev);

	drm_dev_unplug(&tdev->drm);
	/*
	 * Userspace may still map BOs in VRAM, and the BAR is released once
	 * we return: zap every CPU mapping, so the next access faults and
	 * gets TTM's dummy page instead of the BAR.
	 */
	unmap_mapping_range(tdev->drm.anon_inode->i_mapping, 0, 0, 1);
	atomic_dec(&tgem_pci_bound);
}

static const struct pci_device_id tgem_pci_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1110) },	/* ivshmem */
	{ }
};
MODULE_DEVICE_TABLE(pci, tgem_pci_ids);

static struct pci_driver tgem_pci_driver = {
	.name = DRIVER_NAME,
	.id_table = tgem_pci_ids,
	.probe = tgem_pci_probe,
	.remove = tgem_pci_remove,
};

static struct platform_device *tgem_pdev;

static int __init tgem_init(void)
{
	int ret;

	ret = pci_register_driver(&tgem_pci_driver);
	if (ret)
		return ret;

	ret = platform_driver_register(&tgem_platform_driver);
	if (ret)
		goto out_unregister_pci;

	/*
	 * A bound ivshmem device is the device. Its probe may run
	 * asynchronously (async_probe=1, driver_async_probe=tgem), so
	 * pci_register_driver() can return before it has; wait until every
	 * pending probe has finished before deciding that no PCI device got
	 * bound, or tgem would make a second, VRAM-less device beside it.
	 */
	wait_for_device_probe();
	if (atomic_read(&tgem_pci_bound))
		return 0;

	tgem_pdev = platform_device_register_simple(DRIVER_NAME,
						    PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(tgem_pdev)) {
		ret = PTR_ERR(tgem_pdev);
		goto out_unregister_driver;
	}

	if (!platform_get_drvdata(tgem_pdev)) {
		ret = -ENODEV;
		goto out_unregister_device;
	}

	return 0;

out_unregister_device:
	platform_device_unregister(tgem_pdev);
out_unregister_driver:
	platform_driver_unregister(&tgem_platform_driver);
out_unregister_pci:
	pci_unregister_driver(&tgem_pci_driver);
	return ret;
}

static void __exit tgem_exit(void)
{
	platform_device_unregister(tgem_pdev);
	platform_driver_unregister(&tgem_platform_driver);
	pci_unregister_driver(&tgem_pci_driver);
}

module_init(tgem_init);
module_exit(tgem_exit);

MODULE_AUTHOR("The tgem authors");
MODULE_DESCRIPTION(DRIVER_DESC);
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMA_BUF);
