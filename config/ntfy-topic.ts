// monitoring.alerts.webhook.topic: on a public ntfy server a topic is the only secret there is:
// anyone who knows or guesses it reads every alert (what is down, when) and can post fake
// all-clears. A topic a person would choose (mhylle-alerts, prod-status) is guessed in a few
// tries, so the topic must carry randomness of its own: a long random part, as a generator makes.
/** The shortest random part: 20 characters of a generator's output carry 80 bits or more. */
export const MIN_RANDOM_PART = 20;
/** Different characters a random part has at least (32 hex digits show 14 on average, 8 at the fewest in 10^6 tries; 5 or fewer about 1 in 10^13). */
export const MIN_DISTINCT = 6;
/** Switches between a letter and a digit at least (a word with a year in it has 1 or 2; 32 hex digits about 14). */
export const MIN_SWITCHES = 4;

/** A hyphen- or underscore-separated part that looks generated: long, letters and digits mixed throughout, varied. */
function looksRandom(part: string): boolean {
    const switches = [...part].filter((ch, i) => i > 0 && /[0-9]/.test(ch) !== /[0-9]/.test(part[i - 1])).length;
    // 32 hex digits (openssl rand -hex 16) may come out nearly all digits: their length and spread say enough.
    const generatedHex = /^[0-9a-f]{32,}$/.test(part);
    return part.length >= MIN_RANDOM_PART && new Set(part).size >= MIN_DISTINCT && (switches >= MIN_SWITCHES || generatedHex);
}

/** Why a topic is guessable, or undefined when one of its parts is random enough. */
export function ntfyTopicProblem(topic: string): string | undefined {
    if (topic.split(/[-_]/).some(looksRandom)) return undefined;
    return `is guessable: on a public ntfy server anyone who knows the topic reads every alert and can post fake ones; use a topic with a random part of ${MIN_RANDOM_PART}+ letters and digits, e.g. alerts-$(openssl rand -hex 16)`;
}
