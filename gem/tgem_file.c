// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright © 2026 The tgem authors
 */

/**
 * DOC: Per-file state
 *
 * Every open tgem file gets a &struct tgem_file, the DRM file's
 * ``driver_priv``. It holds what userspace creates through that file and
 * that is not a GEM object: submission contexts (engine/tgem_context.c)
 * and, with execbuf, the file's GPU address space. It is created by the
 * driver's ``open`` hook and torn down by ``postclose``, after the DRM
 * core has released the file's GEM handles; no ioctl of the file can run
 * any more by then. Tearing it down destroys every context the file still
 * has; work already submitted keeps running to its end (or its timeout)
 * and holds what it needs by reference.
 */

#include <linux/slab.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <kunit/visibility.h>

#include "engine/tgem_context.h"
#include "execbuf/tgem_gpuvm.h"
#include "gem/tgem_device.h"
#include "gem/tgem_file.h"

/**
 * tgem_file_open() - &drm_driver.open: set up the per-file state
 * @drm: the DRM device
 * @file: the new file
 *
 * Context: Process context; may sleep.
 * Return: 0, or -ENOMEM; on failure nothing is left allocated.
 */
int tgem_file_open(struct drm_device *drm, struct drm_file *file)
{
	struct tgem_file *tfile;

	tfile = kzalloc(sizeof(*tfile), GFP_KERNEL);
	if (!tfile)
		return -ENOMEM;

	tfile->tdev = to_tgem_device(drm);
	tfile->file = file;
	tgem_file_contexts_init(tfile);
	tgem_gpuvm_init(&tfile->gpuvm, TGEM_GPUVM_START, TGEM_GPUVM_END);

	file->driver_priv = tfile;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tgem_file_open);

/**
 * tgem_file_postclose() - &drm_driver.postclose: tear down the per-file state
 * @drm: the DRM device
 * @file: the file being closed
 *
 * Destroys the file's contexts (see tgem_context_close()) and frees the
 * state.
 *
 * Context: Process context; may sleep.
 */
void tgem_file_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct tgem_file *tfile = to_tgem_file(file);

	tgem_file_contexts_fini(tfile);
	tgem_gpuvm_fini(&tfile->gpuvm);
	file->driver_priv = NULL;
	kfree(tfile);
}
EXPORT_SYMBOL_IF_KUNIT(tgem_file_postclose);
