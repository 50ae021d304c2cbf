// The app's name is the first path segment (the platform serves the frontend under /<app>/), so
// the API is /api/<app>/ on the same origin: no CORS, and the CSP's connect-src 'self' allows it.
import { Component, inject, signal } from "@angular/core";
import { HttpClient } from "@angular/common/http";

const app = new URL(document.baseURI).pathname.split("/")[1];

@Component({
    selector: "app-root",
    template: `<h1>{{ name }}</h1><p>API says: {{ hello() }}</p>`,
})
export class App {
    readonly name = app;
    readonly hello = signal("…");

    constructor() {
        inject(HttpClient)
            .get<{ app: string }>(`/api/${app}/hello`)
            .subscribe({ next: (r) => this.hello.set(JSON.stringify(r)), error: () => this.hello.set("unreachable") });
    }
}
