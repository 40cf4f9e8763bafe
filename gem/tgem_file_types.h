/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_FILE_TYPES_H_
#define _TGEM_FILE_TYPES_H_

#include <linux/xarray.h>

#include "execbuf/tgem_gpuvm_types.h"

struct drm_file;
struct tgem_device;

/**
 * struct tgem_file - Per-file state of a tgem DRM file
 *
 * The &drm_file.driver_priv of every open tgem file: allocated by the
 * driver's open hook, freed by its postclose hook, once no ioctl of the
 * file can run any more.
 */
struct tgem_file {
	/** @tdev: the device the file was opened on */
	struct tgem_device *tdev;
	/** @file: the DRM file this state belongs to */
	struct drm_file *file;

	/** @contexts: the file's submission contexts */
	struct {
		/**
		 * @contexts.xa: context id -> &struct tgem_context; the
		 * xarray holds one reference on each. Ids start at 1.
		 * Protected by its own xa_lock (a spinlock): insertion,
		 * removal, and taking a reference in a lookup all happen
		 * under it.
		 */
		struct xarray xa;
	} contexts;

	/** @gpuvm: the file's GPU address space; see "GPU address space" */
	struct tgem_gpuvm gpuvm;
};

#endif
