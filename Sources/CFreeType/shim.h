// FreeType entry point for Swift. FreeType's load flags are function-like or
// shifted macros that Swift does not import, so they are re-exported here.
#ifndef PERSONAWORLDS_CFREETYPE_SHIM_H
#define PERSONAWORLDS_CFREETYPE_SHIM_H
#include <ft2build.h>
#include FT_FREETYPE_H

/// Load flags used by the card renderer: render an 8-bit anti-aliased bitmap
/// with FreeType's light (vertical-only) hinting.
static inline FT_Int32 pw_ft_load_render_light(void) {
    return FT_LOAD_DEFAULT | FT_LOAD_RENDER | FT_LOAD_TARGET_LIGHT;
}

/// FT_PIXEL_MODE_GRAY as a plain integer, for comparing with FT_Bitmap.pixel_mode.
static inline unsigned char pw_ft_pixel_mode_gray(void) { return (unsigned char)FT_PIXEL_MODE_GRAY; }

/// Whether the face is an outline (scalable) font.
static inline int pw_ft_face_is_scalable(FT_Face face) { return FT_IS_SCALABLE(face) ? 1 : 0; }

#endif
