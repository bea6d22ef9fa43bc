// What the server told the page in its shell: sandbox mode (test calls through the sandbox carrier) or production.
export const SANDBOX = document.querySelector<HTMLMetaElement>('meta[name="telltale-mode"]')?.content === 'sandbox';
