// Tailwind is added by remix.config.js (`tailwind: true`); listing it here too would run it twice.
module.exports = { plugins: { autoprefixer: {} } };
