/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright © 2026 The tgem authors
 */

#ifndef _TGEM_CONTEXT_H_
#define _TGEM_CONTEXT_H_

#include <linux/atomic.h>
#include <linux/types.h>

#include "engine/tgem_context_types.h"

struct drm_device;
struct drm_file;
struct tgem_device;
struct tgem_file;

/* The most contexts one file may hold. */
#define TGEM_MAX_CONTEXTS	4096

struct tgem_context *tgem_context_lookup(struct tgem_file *tfile, u32 ctx_id);
struct tgem_context *tgem_context_get(struct tgem_context *ctx);
void tgem_context_put(struct tgem_context *ctx);

/**
 * tgem_context_is_banned() - Whether a job of this context timed out
 * @ctx: the context
 *
 * Once true, it stays true: execbuf on the context fails with ``EIO``, and
 * jobs already queued on it end with ``-EIO`` without running.
 *
 * Context: Any context; lockless.
 * Return: true if the context is banned.
 */
static inline bool tgem_context_is_banned(const struct tgem_context *ctx)
{
	return atomic_read(&ctx->banned);
}

void tgem_context_ban(struct tgem_context *ctx);

void tgem_file_contexts_init(struct tgem_file *tfile);
void tgem_file_contexts_fini(struct tgem_file *tfile);

int tgem_context_create_ioctl(struct drm_device *drm, void *data,
			      struct drm_file *file);
int tgem_context_destroy_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file);

#endif
