// sharp.mjs makes the renditions a plan names with sharp, the way a Node
// service would: one pipeline per size from the original's bytes, on one
// libvips thread, and prints the time per image as JSON. The plan comes on
// stdin: {runs, quality, files: [{path, renditions: [{w, h, crop}]}]}.
import { readFileSync } from "node:fs";
import sharp from "sharp";

sharp.concurrency(1); // one libvips thread, as the Pixelmill worker runs
sharp.cache(false); // no operation cache across images, as a fresh job

const plan = JSON.parse(readFileSync(0, "utf8"));
const out = { sharp: sharp.versions.sharp, libvips: sharp.versions.vips, files: [] };
for (const f of plan.files) {
  const src = readFileSync(f.path);
  const times = [];
  let dims = [];
  for (let run = 0; run < plan.runs; run++) {
    const start = process.hrtime.bigint();
    dims = [];
    for (const r of f.renditions) {
      const { info } = await sharp(src)
        .rotate() // EXIF orientation, as WordPress's sizes are upright
        .resize(r.w, r.h, { fit: r.crop ? "cover" : "fill", position: "centre" })
        .jpeg({ quality: plan.quality, mozjpeg: false })
        .toBuffer({ resolveWithObject: true });
      dims.push([info.width, info.height]);
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  out.files.push({ path: f.path, seconds: times, dims });
}
process.stdout.write(JSON.stringify(out));
