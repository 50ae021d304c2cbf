// S3's bucket naming rules, which Scaleway Object Storage follows: a name outside them is refused
// by the API at `up` (after other resources changed) or, worse, accepted and unusable with
// virtual-hosted URLs (dots) or read as an IP address.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html

const FIX = "use 3-63 lower-case letters, digits and hyphens, such as mhylle-backups";

/** What is wrong with a bucket name, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
    if (name.length < 3 || name.length > 63) return `is ${name.length} characters; a bucket name has 3 to 63: ${FIX}`;
    if (!/^[a-z0-9.-]+$/.test(name)) return `holds characters a bucket name may not (only lower-case letters, digits, dots and hyphens): ${FIX}`;
    if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return `must begin and end with a letter or digit: ${FIX}`;
    if (name.includes("..")) return `has two dots in a row, which S3 refuses: ${FIX}`;
    if (/-\.|\.-/.test(name)) return `has a dot next to a hyphen, which S3 refuses: ${FIX}`;
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return `is formatted as an IP address, which S3 refuses: ${FIX}`;
    if (name.startsWith("xn--") || name.startsWith("sthree-")) return `starts with a prefix S3 reserves (xn--, sthree-): ${FIX}`;
    if (/(-s3alias|--ol-s3|\.mrap|--x-s3)$/.test(name)) return `ends with a suffix S3 reserves (-s3alias, --ol-s3, .mrap, --x-s3): ${FIX}`;
    // Dots break TLS on virtual-hosted URLs (bucket.s3.fr-par.scw.cloud): the certificate covers one label.
    if (name.includes(".")) return `has a dot, which breaks HTTPS to the bucket's virtual-hosted address (the certificate covers one label): ${FIX}`;
    return undefined;
}
