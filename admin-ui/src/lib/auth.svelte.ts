import { api, errorMessage, setUnauthorizedHandler } from '../api/client';

/** The auth contract: ask /api/auth/session first; show the login screen only when it is required. */
class Auth {
  checked = $state(false);
  required = $state(false);
  authenticated = $state(true);
  error = $state<string | null>(null);

  constructor() {
    setUnauthorizedHandler(() => {
      if (this.required || this.checked) {
        this.required = true;
        this.authenticated = false;
      }
    });
  }

  get needsLogin(): boolean {
    return this.checked && this.required && !this.authenticated;
  }

  async check(): Promise<void> {
    try {
      const { data, response } = await api.GET('/api/auth/session');
      if (data) {
        this.required = data.authRequired;
        this.authenticated = data.authenticated;
      } else if (response.status === 404) {
        // A server without the auth routes is an open one.
        this.required = false;
        this.authenticated = true;
      }
    } catch {
      // Unreachable server: the screens show their own errors.
    }
    this.checked = true;
  }

  async login(password: string): Promise<boolean> {
    this.error = null;
    try {
      const { error, response } = await api.POST('/api/auth/login', { body: { password } });
      if (response.ok) {
        this.authenticated = true;
        return true;
      }
      this.error =
        response.status === 401 ? 'Wrong password.'
        : response.status === 429 ? `${errorMessage(error, response)} (wait ${response.headers.get('retry-after') ?? 'a minute'} s)`
        : errorMessage(error, response);
    } catch (e) {
      this.error = `Cannot reach the server (${(e as Error).message}).`;
    }
    return false;
  }

  async logout(): Promise<void> {
    await api.POST('/api/auth/logout').catch(() => undefined);
    this.authenticated = false;
  }
}

export const auth = new Auth();
