// Reads a chosen layout file into the form's text box, so it is posted with the form.
const file = document.getElementById("layout-file");
const text = document.getElementById("layout-json");
file?.addEventListener("change", async () => {
  if (file.files.length) text.value = await file.files[0].text();
});
