// The alert channels' secrets on the server: the webhook URL (it may hold a token) and the SMTP
// password, as `name=<base64>` lines in a 0600 file written from a command's stdin, never on a
// command line, in the crontab or in the rendered program (render/monitoring/status/channels.py).
import { script, shq } from "../shell";
import { installPrivateFileScript } from "../secret-file";
import { ALERT_SECRETS } from "./layout";

export interface AlertSecretValues {
    readonly webhookUrl?: string;
    readonly smtpPassword?: string;
}

/** The file's text; base64 keeps any byte of a password intact. */
export function alertSecretsFile(s: AlertSecretValues): string {
    const line = (name: string, value?: string) => (value ? [`${name}=${Buffer.from(value, "utf8").toString("base64")}`] : []);
    return [...line("webhook_url", s.webhookUrl), ...line("smtp_password", s.smtpPassword)].join("\n") + "\n";
}

/** Installs the file from stdin (render/secret-file.ts): only lines of the two names reach it. */
export const installAlertSecretsScript = (root: string) =>
    installPrivateFileScript(`${root}/${ALERT_SECRETS}`, 'grep -Eq "^(webhook_url|smtp_password)=[A-Za-z0-9+/=]+$"', "alert secrets arrived empty", "alert secrets installed");

export const removeAlertSecretsScript = (root: string) => script(`rm -f ${shq(`${root}/${ALERT_SECRETS}`)}`);
