// Several photos into ONE PDF, built in the browser: each photo is drawn to
// a canvas (at most MAX_SIDE pixels on its longer side), re-encoded as JPEG
// and placed alone on a page of its own shape (fitted to A4's longer side),
// in a minimal hand-written PDF 1.4 whose images use /DCTDecode — the JPEG
// bytes as they are. No library; no upload of the separate photos.

const MAX_SIDE = 2000;
const QUALITY = 0.85;
const A4_LONG = 842;	// points

const enc = new TextEncoder();

// A decoded photo (createImageBitmap knows JPEG, PNG and WebP everywhere; HEIC
// where the browser does, i.e. Safari).
async function decode(file) {
	if ('createImageBitmap' in window) {
		try {
			return await createImageBitmap(file, { imageOrientation: 'from-image' });
		} catch {
			// fall through to <img>
		}
	}
	const url = URL.createObjectURL(file);
	try {
		const img = new Image();
		img.src = url;
		await img.decode();
		return img;
	} finally {
		URL.revokeObjectURL(url);
	}
}

// {bytes: Uint8Array (JPEG), width, height} of one photo.
export async function photoToJpeg(file) {
	let img;
	try {
		img = await decode(file);
	} catch {
		throw new Error(`“${file.name}” could not be read as a photo. Take it again, or choose a JPEG or PNG file.`);
	}
	const w0 = img.width || img.naturalWidth;
	const h0 = img.height || img.naturalHeight;
	const scale = Math.min(1, MAX_SIDE / Math.max(w0, h0));
	const width = Math.max(1, Math.round(w0 * scale));
	const height = Math.max(1, Math.round(h0 * scale));
	const canvas = document.createElement('canvas');
	canvas.width = width;
	canvas.height = height;
	const ctx = canvas.getContext('2d');
	ctx.fillStyle = '#fff';
	ctx.fillRect(0, 0, width, height);
	ctx.drawImage(img, 0, 0, width, height);
	if (img.close)
		img.close();
	const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
	if (!blob)
		throw new Error('This browser could not convert the photo. Please choose a PDF or JPEG file instead.');
	return { bytes: new Uint8Array(await blob.arrayBuffer()), width, height };
}

// The PDF (a Blob) holding images [{bytes, width, height}], one per page.
export function imagesToPdf(images) {
	const parts = [];
	const offsets = [];
	let length = 0;
	const put = (x) => {
		const b = typeof x === 'string' ? enc.encode(x) : x;
		parts.push(b);
		length += b.length;
	};
	const obj = (n, body) => {
		offsets[n] = length;
		put(`${n} 0 obj\n${body}\nendobj\n`);
	};
	// Binary comment: tells tools the file holds binary data.
	put(new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x34, 0x0a, 0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0x0a]));
	const kids = images.map((_, i) => `${3 + 3 * i} 0 R`).join(' ');
	obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
	obj(2, `<< /Type /Pages /Kids [${kids}] /Count ${images.length} >>`);
	images.forEach((im, i) => {
		const page = 3 + 3 * i;
		const f = A4_LONG / Math.max(im.width, im.height);
		const pw = (im.width * f).toFixed(2);
		const ph = (im.height * f).toFixed(2);
		obj(page, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${pw} ${ph}]` +
			` /Resources << /XObject << /Im0 ${page + 1} 0 R >> >> /Contents ${page + 2} 0 R >>`);
		offsets[page + 1] = length;
		put(`${page + 1} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${im.width} /Height ${im.height}` +
			` /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${im.bytes.length} >>\nstream\n`);
		put(im.bytes);
		put('\nendstream\nendobj\n');
		const content = `q ${pw} 0 0 ${ph} 0 0 cm /Im0 Do Q`;
		obj(page + 2, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
	});
	const count = 3 + 3 * images.length;
	const xref = length;
	let table = `xref\n0 ${count}\n0000000000 65535 f \n`;
	for (let n = 1; n < count; n++)
		table += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
	put(table);
	put(`trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
	return new Blob(parts, { type: 'application/pdf' });
}

// Photos (File objects) → one PDF File named like "Photos 2026-11-26.pdf".
export async function photosToPdf(files, onStep = () => {}) {
	const images = [];
	for (let i = 0; i < files.length; i++) {
		onStep(i + 1, files.length);
		images.push(await photoToJpeg(files[i]));
	}
	const blob = imagesToPdf(images);
	const day = new Date().toISOString().slice(0, 10);
	return new File([blob], `Photos ${day} (${files.length} ${files.length === 1 ? 'page' : 'pages'}).pdf`,
		{ type: 'application/pdf', lastModified: Date.now() });
}
