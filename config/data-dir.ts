// local.dataDir: the folder that stands in for /opt/platform on this machine. It reaches root's or
// the user's crontab and the scripts that install and remove the platform's files, so it must be a
// plain path (no shell, cron or YAML syntax) and a folder of its own, never one the system or the
// user already fills: installing into /usr/local would delete /usr/local/bin's other programs.
import * as os from "node:os";
import * as path from "node:path";

/** Plain path segments only: letters, digits, dot, underscore, plus and hyphen; no segment starts with a hyphen. */
const SEGMENT = /^[A-Za-z0-9._+][A-Za-z0-9._+-]*$/;

/** Folders that are never the platform's: the system's trees, where nothing of ours belongs. */
const SYSTEM_TREES = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin", "/snap", "/sys", "/usr", "/var/lib/docker", "/var/run"];
/** Folders shared with everything else on the machine: a subfolder of them is fine, they themselves are not. */
const SHARED_FOLDERS = ["/home", "/media", "/mnt", "/opt", "/root", "/srv", "/tmp", "/var", "/var/backups", "/var/cache", "/var/lib", "/var/local", "/var/log", "/var/mail", "/var/opt", "/var/spool", "/var/tmp"];

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent === "/" ? "/" : parent + "/");

/**
 * Why a dataDir is unsafe, or undefined. Relative paths are relative to the project folder, as
 * the program resolves them.
 */
export function dataDirProblem(dir: string, projectDir = process.cwd(), home = os.homedir()): string | undefined {
    const fix = "use a folder of its own, e.g. .platform-data or /var/tmp/mhylle-platform";
    const segments = (dir.startsWith("/") ? dir.slice(1) : dir).split("/");
    if (dir.length > 200 || !segments.every((s) => SEGMENT.test(s)))
        return `must be a plain path: letters, digits and . _ + - in each part, separated by single slashes, no trailing slash, no spaces, quotes, $, ~ or line breaks; ${fix}`;
    if (segments.some((s) => s === "." || s === "..")) return `must not contain . or .. parts; write the folder directly; ${fix}`;
    const resolved = path.resolve(projectDir, dir);
    const system = SYSTEM_TREES.find((t) => inside(resolved, t));
    if (system || resolved === "/") return `is ${resolved === "/" ? "the root folder" : `inside ${system}`}, a system folder: installing and destroying the platform there would delete files it did not create; ${fix}`;
    if (SHARED_FOLDERS.includes(resolved)) return `is ${resolved}, a folder shared with the rest of the machine; ${fix}`;
    if (inside(home, resolved)) return `is ${resolved === home ? "your home folder" : "a parent of your home folder"}, which holds your own files; ${fix}`;
    if (inside(projectDir, resolved)) return `is ${resolved === projectDir ? "the project folder itself" : "a parent of the project folder"}; ${fix}`;
    return undefined;
}
