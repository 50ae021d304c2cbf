// Secret config keys the platform reads for itself (stacks/program.ts), each set with
// `pulumi config set --secret` and never written in a stack file in plain text. docs/config.md
// lists them from here (tools/docs.ts).

export interface SecretKey {
    /** When it is needed and what it holds, in one sentence. */
    readonly description: string;
    /** The value's placeholder in its `pulumi config set --secret` command. */
    readonly value: string;
}

export const SECRET_KEYS: Readonly<Record<string, SecretKey>> = {
    backupIdentity: {
        description:
            "Required when `backups.offsite.enabled` is true: the age identity (private key) of `backups.offsite.recipient`, the only key that decrypts the off-site copies. Never sent to the server; read it back to restore (docs/runbooks/restore-a-database.md).",
        value: '"$(cat backup-identity.txt)"',
    },
    backupCipherPass: {
        description:
            "Required when `backups.pitr.enabled` is true: the passphrase that encrypts the pgBackRest repositories (aes-256-cbc); keep a copy outside the stack, a rebuild cannot read the backups without it.",
        value: "<long random passphrase>",
    },
    alertWebhookUrl: {
        description: "Required when `monitoring.alerts.webhook.enabled` is true: the webhook's `https://` URL, which may hold a token.",
        value: "https://...",
    },
    alertSmtpPassword: { description: "Required when `monitoring.alerts.email.username` is set: the password at the SMTP relay.", value: "<password>" },
    managedDatabaseAdminPassword: {
        description: "Required with `database.managed` on the local target: the admin password of the PostgreSQL standing in for the managed database.",
        value: "<password>",
    },
};

/**
 * Secret keys the platform no longer reads but a stack may still hold: `sshPrivateKey`, the deploy
 * key, which the ssh-agent now carries for both providers (docs/engine-notes.md section 4), and
 * `backupAccessKey`/`backupSecretKey`, a key that could delete the off-site copies, replaced by the
 * put-only key the program makes (components/offsite-store.ts). Still refused in plain text and as
 * a registry token's key.
 */
export const RETIRED_SECRETS: readonly string[] = ["sshPrivateKey", "backupAccessKey", "backupSecretKey"];

/** Secret config keys of the platform, read or retired: a registry token may never be one of them. */
export const PLATFORM_SECRETS: string[] = [...Object.keys(SECRET_KEYS), ...RETIRED_SECRETS];

/** The command that sets a secret key. */
export const setSecretCommand = (key: string) => `pulumi config set --secret ${key} ${SECRET_KEYS[key]?.value ?? "<value>"}`;
