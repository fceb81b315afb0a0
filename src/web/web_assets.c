/*
 * The page, embedded into the binary at build time (.incbin, as the default
 * rules are: src/rules/default_rules.c); the Makefile lists the files as
 * prerequisites of this object. No external asset, no CDN: the page's
 * Content-Security-Policy would refuse one anyway.
 */
#include <string.h>

#include "embed.h"
#include "web/web.h"

EMBED(web_index_html, "src/web/assets/index.html");
EMBED(web_app_js, "src/web/assets/app.js");
EMBED(web_app_css, "src/web/assets/app.css");

extern const char web_index_html[], web_app_js[], web_app_css[];
extern const size_t web_index_html_len, web_app_js_len, web_app_css_len;

bool web_asset_find(const char *path, struct web_asset *out)
{
	static const struct {
		const char *path, *type, *data;
		const size_t *len;
	} assets[] = {
		{ "/", "text/html; charset=utf-8", web_index_html, &web_index_html_len },
		{ "/index.html", "text/html; charset=utf-8", web_index_html, &web_index_html_len },
		{ "/app.js", "text/javascript; charset=utf-8", web_app_js, &web_app_js_len },
		{ "/app.css", "text/css; charset=utf-8", web_app_css, &web_app_css_len },
	};

	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (!strcmp(assets[i].path, path)) {
			*out = (struct web_asset){ assets[i].path, assets[i].type, assets[i].data,
						   *assets[i].len };
			return true;
		}
	return false;
}
