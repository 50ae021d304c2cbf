// Secret config keys the platform reads for itself (stacks/program.ts), each set with
// `pulumi config set --secret` and never written in a stack file in plain text. The README's
// config reference lists them from here (tools/docs.ts).

export interface SecretKey {
    /** When it is needed and what it holds, in one sentence. */
    readonly description: string;
    /** The value's placeholder in its `pulumi config set --secret` command. */
    readonly value: string;
}

export const SECRET_KEYS: Readonly<Record<string, SecretKey>> = {
    sshPrivateKey: {
        description:
            "Optional, scaleway target only: the deploy user's private key, when no ssh-agent holds it (the agent is preferred: key text in config re-runs every command when its formatting changes).",
        value: "< KEYFILE",
    },
    backupAccessKey: { description: "Required when `backups.offsite.enabled` is true: the access key of the Scaleway API key that writes the bucket.", value: "<value>" },
    backupSecretKey: { description: "Required when `backups.offsite.enabled` is true: the secret key of the Scaleway API key that writes the bucket.", value: "<value>" },
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

/** Secret config keys the platform reads for itself: a registry token may never be one of them. */
export const PLATFORM_SECRETS: string[] = Object.keys(SECRET_KEYS);

/** The command that sets a secret key. */
export const setSecretCommand = (key: string) => `pulumi config set --secret ${key} ${SECRET_KEYS[key]?.value ?? "<value>"}`;
