"""Draw docs/gallery.jpg: one default sample of each of sixteen templates, as the README shows them.

Run from the checkout after a change that alters what renders look like:
    python scripts/make_gallery.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

import textsynth

TEMPLATES = (
    "promo_poster", "shop_sign", "couplet", "book_cover", "scene_text_photo", "menu_board",
    "neon_sign", "calligraphy_scroll", "movie_poster", "business_card", "event_poster", "product_packaging",
    "tshirt_print", "storefront_banner", "greeting_card", "road_sign",
)  # fmt: skip
TILE, GAP, COLUMNS, SEED = 320, 6, 4, 2026
OUT = Path(__file__).resolve().parents[1] / "docs" / "gallery.jpg"


def main() -> None:
    config = textsynth.RenderConfig(seed=SEED, width=512, height=512)
    known = textsynth.available_templates()
    rows = -(-len(TEMPLATES) // COLUMNS)
    sheet = Image.new(
        "RGB", (COLUMNS * TILE + (COLUMNS + 1) * GAP, rows * TILE + (rows + 1) * GAP), "#f4f4f4"
    )
    for i, name in enumerate(TEMPLATES):
        ctx = textsynth.build_context(config, [known[name]])
        image = Image.fromarray(textsynth.make_sample(ctx, i).image)
        image.thumbnail((TILE, TILE), Image.LANCZOS)
        x = GAP + (i % COLUMNS) * (TILE + GAP) + (TILE - image.width) // 2
        y = GAP + (i // COLUMNS) * (TILE + GAP) + (TILE - image.height) // 2
        sheet.paste(image, (x, y))
    sheet.save(OUT, quality=88)
    print(f"wrote {OUT} ({np.prod(sheet.size)} px)")


if __name__ == "__main__":
    main()
